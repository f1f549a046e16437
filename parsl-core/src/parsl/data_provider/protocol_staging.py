"""Staging providers for a transfer protocol: the plugin gives ``fetch``/``upload``, this does the rest.

``SeparateTaskStaging`` moves each file in a staging task on the submit side (the internal
executor), into the executor's ``working_dir``; ``InTaskStaging`` wraps the app so that the
worker moves the file just before (stage-in) or after (stage-out) running it. Both cache
downloads in a ``NodeCache`` configured by the ``cache_dir``/``cache_size`` keywords they
declare once, here, for every protocol plugin.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from parsl.data_provider.local_paths import remove_sandbox_file, set_local_path
from parsl.data_provider.node_cache import DEFAULT_CACHE_SIZE, NodeCache
from parsl.data_provider.staging import Staging
from parsl.data_provider.transfers import Fetch, Upload, fetch_to, upload_from
from parsl.plugins.settings import fspath, settings

if TYPE_CHECKING:
    from concurrent.futures import Future

    from parsl.data_provider.files import File
    from parsl.plugins.protocols import DataManagerView


def stage_in_task(fetch: Fetch, cache: NodeCache | None, parent_fut: Any = None,
                  outputs: Iterable[File] = ()) -> None:
    """The body of a separate stage-in task: fetch ``outputs[0]`` to its local path."""
    file = next(iter(outputs))
    fetch_to(file.url, file.filepath, fetch, cache)


def stage_out_task(upload: Upload, app_fu: Any = None, inputs: Iterable[File] = ()) -> None:
    """The body of a separate stage-out task: upload ``inputs[0]`` once the app is done."""
    file = next(iter(inputs))
    upload_from(file.filepath, file.url, upload)


def in_task_stage_in(func: Callable[..., Any], fetch: Fetch, url: str, dest: str,
                     cache: NodeCache | None, cleanup: bool = False) -> Callable[..., Any]:
    """Wrap the app so that the worker fetches ``url`` to ``dest`` before running it."""

    @functools.wraps(func)
    def staged_in(*args: Any, **kwargs: Any) -> Any:
        try:
            fetch_to(url, dest, fetch, cache)
            return func(*args, **kwargs)
        finally:
            if cleanup:
                remove_sandbox_file(dest)

    return staged_in


def in_task_stage_out(func: Callable[..., Any], upload: Upload, src: str, url: str,
                      cleanup: bool = False) -> Callable[..., Any]:
    """Wrap the app so that the worker uploads ``src`` to ``url`` after it succeeds.

    With ``cleanup`` (a private sandbox) the local file is removed whatever happens: once
    uploaded it has moved out, and after a failure it is not a result.
    """

    @functools.wraps(func)
    def staged_out(*args: Any, **kwargs: Any) -> Any:
        os.makedirs(os.path.dirname(os.path.abspath(src)), exist_ok=True)
        try:
            result = func(*args, **kwargs)
            upload_from(src, url, upload)
        finally:
            if cleanup:
                remove_sandbox_file(src)
        return result

    return staged_out


@settings
class DownloadStaging(Staging):
    """Shared by providers whose protocol is given by ``schemes`` and ``fetch``/``upload``.

    ``cache_dir``/``cache_size`` configure the node cache (``cache_size=0`` turns it off). They
    are keyword-only, so a subclass's own keywords keep Parsl's positional order.
    """

    schemes: ClassVar[tuple[str, ...]] = ()
    cache_dir: str | None = attrs.field(default=None, kw_only=True, converter=fspath)
    cache_size: int = attrs.field(default=DEFAULT_CACHE_SIZE, kw_only=True)

    def fetcher(self) -> Fetch:
        raise NotImplementedError

    def uploader(self) -> Upload | None:
        """The stage-out operation, or None where the protocol has none."""
        return None

    def node_cache(self) -> NodeCache | None:
        return NodeCache(self.cache_dir, self.cache_size) if self.cache_size > 0 else None

    def can_stage_in(self, file: File) -> bool:
        return file.scheme in self.schemes

    def can_stage_out(self, file: File) -> bool:
        return file.scheme in self.schemes and self.uploader() is not None


class SeparateTaskStaging(DownloadStaging):
    """Stage in and out as separate tasks on the submit side (the internal executor).

    The file lands in the executor's ``working_dir``, which the workers must share.
    """

    def stage_in(self, dm: DataManagerView, executor: str, file: File, parent_fut: Future | None) -> Future | None:
        set_local_path(dm, executor, file)
        return dm.stage_in_task(file, parent_fut, stage_in_task, self.fetcher(), self.node_cache())

    def stage_out(self, dm: DataManagerView, executor: str, file: File, app_fu: Future) -> Future | None:
        upload = self.uploader()
        if upload is None:
            return None
        set_local_path(dm, executor, file)
        return dm.submit_staging_task(stage_out_task, upload, app_fu, inputs=[file])


class InTaskStaging(DownloadStaging):
    """Stage in and out on the worker, around the app: no shared file system needed."""

    def stage_in(self, dm: DataManagerView, executor: str, file: File, parent_fut: Future | None) -> Future | None:
        set_local_path(dm, executor, file)
        return None

    def stage_out(self, dm: DataManagerView, executor: str, file: File, app_fu: Future) -> Future | None:
        set_local_path(dm, executor, file)
        return None

    def replace_task(self, dm: DataManagerView, executor: str, file: File, func: Callable) -> Callable | None:
        assert file.local_path is not None
        return in_task_stage_in(func, self.fetcher(), file.url, file.local_path, self.node_cache())

    def replace_task_stage_out(self, dm: DataManagerView, executor: str, file: File, func: Callable) -> Callable | None:
        upload = self.uploader()
        if upload is None:
            return None
        assert file.local_path is not None
        return in_task_stage_out(func, upload, file.local_path, file.url)
