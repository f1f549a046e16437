"""``TaskRecord``: everything the DataFlowKernel knows about one task.

Parsl's task record is a ``TypedDict``; code written for Parsl reads it as ``task_record['id']``.
Here it is a slotted object that is also a mutable mapping with exactly Parsl's keys: the same
reads and writes work, and a pending task costs a fraction of the memory of a 29-key dict.
The DataFlowKernel itself uses attribute access (``task.status``) on its hot path.
"""

from __future__ import annotations

import datetime
import operator
import weakref
from collections.abc import MutableMapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, Mapping, Optional, Sequence

if TYPE_CHECKING:
    import threading
    from concurrent.futures import Future

    from parsl.dataflow.dflow import DataFlowKernel
    from parsl.dataflow.states import States

#: Parsl's task-record keys, in Parsl's order.
KEYS = (
    "dfk", "func_name", "status", "depends", "app_fu", "exec_fu", "executor", "fail_count",
    "fail_cost", "fail_history", "checkpoint", "hashsum", "task_launch_lock", "func", "args",
    "kwargs", "time_invoked", "time_returned", "try_time_launched", "try_time_returned",
    "memoize", "ignore_for_cache", "from_memo", "id", "try_id", "resource_specification",
    "join", "joins", "join_lock",
)
_KEYSET = frozenset(KEYS)
#: Parsl's time keys. A record keeps each as seconds since the epoch in ``<key>_epoch`` (what the
#: DataFlowKernel writes: ``time.time()`` costs a third of ``datetime.now()``, and monitors store
#: numbers); under the key itself it reads and writes a naive local datetime, as in Parsl.
TIME_KEYS = ("time_invoked", "time_returned", "try_time_launched", "try_time_returned")
#: The resource specification of tasks that give none: shared and read-only (executors copy it to change it).
_NO_SPEC: Mapping[str, Any] = MappingProxyType({})


def _epoch(value: datetime.datetime | float | None) -> Optional[float]:
    """A time as seconds since the epoch (a naive datetime is local time, as ``datetime.now()`` gives)."""
    if value is None:
        return None
    return value.timestamp() if isinstance(value, datetime.datetime) else float(value)


def _time_view(key: str) -> property:
    """Parsl's ``key`` as a datetime, over the record's ``<key>_epoch`` slot."""
    slot = f"{key}_epoch"
    seconds_of = operator.attrgetter(slot)

    def get(self: TaskRecord) -> Optional[datetime.datetime]:
        seconds = seconds_of(self)  # AttributeError while unset: the key is absent, as in Parsl
        return None if seconds is None else datetime.datetime.fromtimestamp(seconds)

    def set_(self: TaskRecord, value: datetime.datetime | float | None) -> None:
        setattr(self, slot, _epoch(value))

    def del_(self: TaskRecord) -> None:
        delattr(self, slot)

    return property(get, set_, del_, doc=f"``{slot}`` as a naive local datetime (Parsl's ``{key}``).")


class TaskRecord(MutableMapping):
    """One task's record; a mapping over Parsl's keys (unset keys are absent, as in Parsl)."""

    dfk: DataFlowKernel
    func_name: str
    status: States
    depends: Sequence[Future[Any]]
    exec_fu: Optional[Future[Any]]
    executor: str
    fail_count: int
    fail_cost: float
    checkpoint: Any
    hashsum: Optional[str]
    task_launch_lock: threading.Lock
    func: Callable[..., Any]
    args: Sequence[Any]
    kwargs: Dict[str, Any]
    time_invoked_epoch: Optional[float]
    time_returned_epoch: Optional[float]
    try_time_launched_epoch: Optional[float]
    try_time_returned_epoch: Optional[float]
    memoize: bool
    ignore_for_cache: Any
    from_memo: Optional[bool]
    id: int
    try_id: int
    resource_specification: Mapping[str, Any]
    join: bool
    joins: Any
    join_lock: threading.Lock
    _app_fu: Any
    _fail_history: List[str]
    _waiting: int
    _launched_try: int
    _extra: Dict[str, Any]

    # app_fu, fail_history and the time keys are properties over these slots (see below)
    __slots__ = (*(k for k in KEYS if k not in ("app_fu", "fail_history", *TIME_KEYS)),
                 *(f"{k}_epoch" for k in TIME_KEYS),
                 "_app_fu", "_fail_history", "_waiting", "_launched_try", "_extra", "__weakref__")

    def __init__(self, dfk: DataFlowKernel, task_id: int, func: Callable[..., Any], args: Sequence[Any],
                 kwargs: Dict[str, Any], executor: str, memoize: bool, ignore_for_cache: Any, join: bool,
                 time_invoked: datetime.datetime | float | None) -> None:
        self.dfk = dfk
        self.id = task_id
        self.func = func
        self.func_name = getattr(func, "__name__", type(func).__name__)
        self.args = args
        self.kwargs = kwargs
        self.executor = executor
        self.memoize = memoize
        self.ignore_for_cache = ignore_for_cache
        self.join = join
        self.time_invoked_epoch = _epoch(time_invoked)
        self.resource_specification = (kwargs.get("parsl_resource_specification") or _NO_SPEC) if kwargs else _NO_SPEC
        self.hashsum = None
        self.exec_fu = None
        self.fail_count = 0
        self.fail_cost = 0
        self.from_memo = None
        self.joins = None
        self.try_id = 0
        self.time_returned_epoch = None
        self.try_time_launched_epoch = None
        self.try_time_returned_epoch = None
        self._launched_try = -1

    time_invoked = _time_view("time_invoked")
    time_returned = _time_view("time_returned")
    try_time_launched = _time_view("try_time_launched")
    try_time_returned = _time_view("try_time_returned")

    @property
    def app_fu(self) -> Any:
        """The task's AppFuture (held weakly once the task is finished and forgotten)."""
        fut = self._app_fu
        return fut() if isinstance(fut, weakref.ref) else fut

    @app_fu.setter
    def app_fu(self, fut: Any) -> None:
        self._app_fu = fut

    def release_app_fu(self) -> None:
        """Hold the AppFuture weakly, so the future/record pair needs no cycle collection."""
        self._app_fu = weakref.ref(self._app_fu)

    @property
    def fail_history(self) -> List[str]:
        """``repr`` of each failed try's exception, oldest first (created on first access)."""
        try:
            return self._fail_history
        except AttributeError:
            self._fail_history = []
            return self._fail_history

    @fail_history.setter
    def fail_history(self, history: List[str]) -> None:
        self._fail_history = history

    # -- callbacks the DataFlowKernel attaches to futures (bound methods: no closure per task) ----

    def dependency_done(self, _fut: Any) -> None:
        self.dfk._dependency_done(self)

    def try_done(self, fut: Any) -> None:
        self.dfk.handle_exec_update(self, fut)

    def join_part_done(self, _fut: Any) -> None:
        self.dfk._join_part_done(self)

    # -- mapping protocol ---------------------------------------------------------------------

    def __getitem__(self, key: str) -> Any:
        if key in _KEYSET:
            try:
                return getattr(self, key)
            except AttributeError:
                raise KeyError(key) from None
        return self._extras()[key]

    def __setitem__(self, key: str, value: Any) -> None:
        if key in _KEYSET:
            setattr(self, key, value)
        else:
            self._extras()[key] = value

    def __delitem__(self, key: str) -> None:
        if key in _KEYSET:
            try:
                delattr(self, key)
            except AttributeError:
                raise KeyError(key) from None
        else:
            del self._extras()[key]

    def __contains__(self, key: object) -> bool:
        if key in _KEYSET:
            return hasattr(self, key)
        return key in self._extras()

    def __iter__(self) -> Iterator[str]:
        yield from (k for k in KEYS if hasattr(self, k))
        yield from self._extras()

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def _extras(self) -> Dict[str, Any]:
        try:
            return self._extra
        except AttributeError:
            self._extra = {}
            return self._extra

    def __repr__(self) -> str:
        state = getattr(self, "status", None)
        return f"<TaskRecord id={getattr(self, 'id', '?')} func={getattr(self, 'func_name', '?')} status={state}>"

    __hash__ = object.__hash__

    def __eq__(self, other: object) -> bool:
        return self is other
