"""``DataFuture``: the future of a file an app produces (or that staging brings in)."""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

from parsl.data_provider.files import File


class DataFuture(Future):
    """Completes with ``file_obj`` when its parent future (the app or a staging task) succeeds.

    If the parent fails, the DataFuture fails with the same exception.
    """

    def __init__(self, fut: Future, file_obj: File, tid: Any = None) -> None:
        if not isinstance(file_obj, File):
            raise TypeError(f"DataFuture needs a File, not {type(file_obj).__name__}: {file_obj!r}")
        super().__init__()
        self._tid = tid
        self.file_obj = file_obj
        self.parent = fut
        fut.add_done_callback(self.parent_callback)

    def parent_callback(self, parent_fu: Future) -> None:
        """Complete this future from the parent's outcome."""
        e = parent_fu.exception()
        if e is not None:
            self.set_exception(e)
        else:
            self.set_result(self.file_obj)

    @property
    def tid(self) -> Any:
        """The id of the task whose completion this future tracks."""
        return self._tid

    @property
    def filepath(self) -> str:
        return self.file_obj.filepath

    @property
    def filename(self) -> str:
        return self.filepath

    def cancel(self) -> bool:
        raise NotImplementedError("Cancel not implemented")

    def cancelled(self) -> bool:
        return False

    def running(self) -> bool:
        return bool(self.parent.running()) if self.parent is not None else False

    def __repr__(self) -> str:
        t = type(self)
        done = "done" if self.done() else "not done"
        return f"<{t.__module__}.{t.__qualname__} object at {hex(id(self))} representing {self.file_obj!r} {done}>"
