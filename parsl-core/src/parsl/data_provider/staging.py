"""The base class of every staging-provider plugin."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Optional

if TYPE_CHECKING:
    from concurrent.futures import Future

    from parsl.data_provider.files import File
    from parsl.plugins.protocols import DataManagerView


class Staging:
    """Moves files named by a URL to and from where a task runs.

    The DataManager offers each ``File`` to the executor's ``storage_access`` list in order; the
    first provider whose ``can_stage_in``/``can_stage_out`` returns True stages it. A
    "separate task" provider returns a future from ``stage_in``/``stage_out`` (a staging task);
    an "in task" provider wraps the app function in ``replace_task``/``replace_task_stage_out``.
    Every default here does nothing.
    """

    def can_stage_in(self, file: File) -> bool:
        return False

    def can_stage_out(self, file: File) -> bool:
        return False

    def stage_in(self, dm: DataManagerView, executor: str,
                 file: File, parent_fut: Optional[Future]) -> Optional[Future]:
        return None

    def stage_out(self, dm: DataManagerView, executor: str, file: File, app_fu: Future) -> Optional[Future]:
        return None

    def replace_task(self, dm: DataManagerView, executor: str, file: File, func: Callable) -> Optional[Callable]:
        return None

    def replace_task_stage_out(self, dm: DataManagerView, executor: str,
                               file: File, func: Callable) -> Optional[Callable]:
        return None
