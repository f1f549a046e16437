"""``GlobusComputeExecutor``: Parsl apps on a Globus Compute endpoint, through the SDK's ``Executor``.

Parsl's semantics (2026.10.26): the user builds a ``globus_compute_sdk.Executor`` (endpoint id,
client, defaults) and hands it over. Its ``resource_specification`` and ``user_endpoint_config``
at that moment are the defaults; a task's own ``parsl_resource_specification`` replaces them
for that task alone (its ``user_endpoint_config`` key, if any, goes to the SDK's
``user_endpoint_config``), and the SDK executor is reset to the defaults after each submit.
The SDK's futures are returned as they are. ``shutdown`` does not wait for tasks already
registered with the service; it cancels those not yet sent and stops the result watcher.
"""

from __future__ import annotations

import copy
import threading
from concurrent.futures import Future
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional

import attrs

from parsl.data_provider.staging import Staging
from parsl.errors import OptionalModuleMissing
from parsl.executors.base import ParslExecutor
from parsl.executors.errors import InvalidResourceSpecification
from parsl.plugins.settings import SettingTypeError, settings

if TYPE_CHECKING:
    from globus_compute_sdk import Executor


def _sdk_executor_class() -> type[Executor]:
    try:
        from globus_compute_sdk import Executor
    except ImportError as e:
        raise OptionalModuleMissing(["globus-compute-sdk"],
                                    f"GlobusComputeExecutor requires globus-compute-sdk installed ({e})") from e
    return Executor


@settings
class GlobusComputeExecutor(ParslExecutor):
    """Run tasks on the Globus Compute endpoint of ``executor`` (a ``globus_compute_sdk.Executor``)."""

    executor: Any
    label: str = "GlobusComputeExecutor"
    storage_access: Optional[List[Staging]] = None
    working_dir: Optional[str] = None

    resource_specification: Optional[Dict[str, Any]] = attrs.field(init=False, default=None, repr=False)
    user_endpoint_config: Optional[Dict[str, Any]] = attrs.field(init=False, default=None, repr=False)
    _submit_lock: threading.Lock = attrs.field(init=False, factory=threading.Lock, repr=False)

    def __attrs_post_init__(self) -> None:
        sdk_executor = _sdk_executor_class()
        if not isinstance(self.executor, sdk_executor):
            raise SettingTypeError(f"executor: expected a globus_compute_sdk.Executor, got "
                                   f"{type(self.executor).__name__} {self.executor!r}")
        self.resource_specification = self.executor.resource_specification
        self.user_endpoint_config = self.executor.user_endpoint_config

    def submit(self, func: Callable[..., Any], resource_specification: Dict[str, Any],
               *args: Any, **kwargs: Any) -> Future:
        """Submit through the SDK with this task's specification (or the defaults); return the SDK's future."""
        spec = copy.deepcopy(resource_specification or self.resource_specification)
        endpoint_config = self.user_endpoint_config
        if spec:
            endpoint_config = spec.pop("user_endpoint_config", endpoint_config)
            if endpoint_config is not None and not isinstance(endpoint_config, Mapping):
                raise InvalidResourceSpecification(
                    {"user_endpoint_config"},
                    f"user_endpoint_config must be a mapping of template variables, got {endpoint_config!r}")
        with self._submit_lock:  # the SDK executor's defaults are shared state
            try:
                self.executor.resource_specification = spec
                self.executor.user_endpoint_config = endpoint_config
                future: Future = self.executor.submit(func, *args, **kwargs)  # the SDK's, as it is
                return future
            finally:
                self.executor.resource_specification = self.resource_specification
                self.executor.user_endpoint_config = self.user_endpoint_config

    def shutdown(self) -> None:
        """Cancel tasks not yet sent and stop the result watcher; tasks already registered keep running remotely."""
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor._get_result_watcher().shutdown(wait=False, cancel_futures=True)
