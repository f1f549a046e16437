"""Memoization (app caching) and checkpointing.

A task of an app decorated with ``cache=True`` is identified by a hash of its function (by name
and module) and its arguments, built from ``id_for_memo``: a ``singledispatch`` function that a
program extends for its own argument types (``@id_for_memo.register(MyType)``). When a task with
the same hash has already completed, its outcome is reused instead of running the task again.

``BasicMemoizer`` keeps that table in memory and can write successful results to
``<run_dir>/checkpoint/tasks.pkl`` (``checkpoint_mode``): after every task (``task_exit``), every
``checkpoint_period`` (``periodic``), when the DataFlowKernel cleans up (``dfk_exit``), or when the
program calls ``memoizer.checkpoint()`` (``manual``). A later run loads those files
(``checkpoint_files``, by default every checkpoint under the config's ``run_dir``) and skips the
tasks they cover. Exceptions are memoized within a run but never checkpointed.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import pickle
import threading
import types
from abc import ABCMeta, abstractmethod
from concurrent.futures import Future
from functools import lru_cache, singledispatch
from typing import TYPE_CHECKING, Any, Dict, Iterator, List, Literal, Optional, Sequence

import attrs

from parsl.dataflow.errors import BadCheckpoint
from parsl.errors import ConfigurationError
from parsl.plugins.settings import fspaths, settings
from parsl.utils import Timer, get_all_checkpoints

if TYPE_CHECKING:
    from parsl.dataflow.taskrecord import TaskRecord

logger = logging.getLogger(__name__)

CheckpointMode = Literal["task_exit", "periodic", "dfk_exit", "manual"]


@singledispatch
def id_for_memo(obj: object, output_ref: bool = False) -> bytes:
    """Bytes that identify ``obj`` for memoization: equal for "the same" value, different otherwise.

    ``output_ref`` is True for members of ``outputs``: an implementation for files might hash
    an input file's content but only the name of an output file. Register an implementation
    for each type an app with ``cache=True`` is called with; unknown types are a ``ValueError``.
    """
    raise ValueError(f"unknown type for memoization: {type(obj)} "
                     f"(register one with @parsl.dataflow.memoization.id_for_memo.register)")


@id_for_memo.register(str)
@id_for_memo.register(int)
@id_for_memo.register(float)
@id_for_memo.register(bool)
@id_for_memo.register(bytes)
@id_for_memo.register(type(None))
def id_for_memo_pickle(obj: object, output_ref: bool = False) -> bytes:
    return pickle.dumps(obj)


def _exact(obj: object, cls: type) -> None:
    if type(obj) is not cls:
        raise ValueError(f"id_for_memo_{cls.__name__} cannot work on subclasses of {cls.__name__} "
                         f"({type(obj).__qualname__}); register id_for_memo for it")


@id_for_memo.register(list)
def id_for_memo_list(denormalized_list: list, output_ref: bool = False) -> bytes:
    _exact(denormalized_list, list)
    return pickle.dumps([id_for_memo(e, output_ref=output_ref) for e in denormalized_list])


@id_for_memo.register(tuple)
def id_for_memo_tuple(denormalized_tuple: tuple, output_ref: bool = False) -> bytes:
    _exact(denormalized_tuple, tuple)
    return pickle.dumps([id_for_memo(e, output_ref=output_ref) for e in denormalized_tuple])


@id_for_memo.register(dict)
def id_for_memo_dict(denormalized_dict: dict, output_ref: bool = False) -> bytes:
    """Keys are sorted, so insertion order does not matter; values follow ``output_ref``, keys do not."""
    _exact(denormalized_dict, dict)
    normalized = []
    for k in sorted(denormalized_dict):
        normalized.append(id_for_memo(k))
        normalized.append(id_for_memo(denormalized_dict[k], output_ref=output_ref))
    return pickle.dumps(normalized)


@id_for_memo.register(types.FunctionType)
@lru_cache
def id_for_memo_function(f: types.FunctionType, output_ref: bool = False) -> bytes:
    """A function by its name and module only: editing its body keeps earlier checkpoints valid."""
    return pickle.dumps(["types.FunctionType", f.__name__, f.__module__])


def _register_file() -> None:
    from parsl.data_provider.files import File

    @id_for_memo.register(File)
    def id_for_memo_file(f: File, output_ref: bool = False) -> bytes:
        return pickle.dumps(["parsl.File", f.url])


_register_file()


def make_hash(task: TaskRecord) -> str:
    """The memoization hash of a task: its outputs (as output references), other kwargs, function, args."""
    kwargs = dict(task["kwargs"])
    for k in task["ignore_for_cache"]:
        kwargs.pop(k, None)
    parts: List[bytes] = []
    if "outputs" in kwargs:
        parts.append(id_for_memo(kwargs.pop("outputs"), output_ref=True))
    parts.extend(map(id_for_memo, (kwargs, task["func"], task["args"])))
    return hashlib.md5(b"".join(parts)).hexdigest()


class Memoizer(metaclass=ABCMeta):
    """What the DataFlowKernel asks of a memoization/checkpoint system (not called by programs)."""

    #: Whether ``check_memo``/``update_memo_*`` must see tasks of apps without ``cache=True``.
    wants_uncached_tasks: bool = True

    @abstractmethod
    def start(self, *, run_dir: str, config_run_dir: str) -> None:
        """Prepare, given this run's directory and the config's base ``run_dir``."""

    @abstractmethod
    def check_memo(self, task: TaskRecord) -> Optional[Future]:
        """A completed future to use instead of running ``task``, or None to run it."""

    @abstractmethod
    def update_memo_result(self, task: TaskRecord, r: Any) -> None:
        """``task`` succeeded with ``r``."""

    @abstractmethod
    def update_memo_exception(self, task: TaskRecord, e: BaseException) -> None:
        """``task`` failed with ``e``."""

    @abstractmethod
    def close(self) -> None:
        """The DataFlowKernel is cleaning up."""


@settings(kw_only=True)
class BasicMemoizer(Memoizer):
    """The default memoizer: an in-memory table plus optional pickle checkpoint files.

    ``checkpoint_files`` are checkpoint directories to load (default: all under the config's
    ``run_dir`` when ``checkpoint_mode`` is set; see ``parsl.utils.get_all_checkpoints`` and
    ``get_last_checkpoint``); ``checkpoint_period`` is ``"HH:MM:SS"`` for ``periodic`` mode;
    ``memoize=False`` turns app caching off for every app.
    """

    checkpoint_files: Optional[Sequence[str]] = attrs.field(default=None, converter=fspaths)
    checkpoint_period: Optional[str] = None
    checkpoint_mode: Optional[CheckpointMode] = None
    memoize: bool = True

    run_dir: str = attrs.field(init=False, default=".", repr=False)
    memo_lookup_table: Dict[str, Future] = attrs.field(init=False, factory=dict, repr=False)
    checkpointed_tasks: int = attrs.field(init=False, default=0, repr=False)

    wants_uncached_tasks = False

    def __attrs_post_init__(self) -> None:
        self._period_seconds = _parse_period(self.checkpoint_period) if self.checkpoint_period else None
        self._lock = threading.Lock()
        self._queue: List[tuple] = []
        self._timer: Optional[Timer] = None

    def start(self, *, run_dir: str, config_run_dir: str) -> None:
        self.run_dir = run_dir
        self.config_run_dir = config_run_dir
        if self.checkpoint_files is not None:
            files: Sequence[str] = self.checkpoint_files
        elif self.checkpoint_mode is not None:
            files = get_all_checkpoints(config_run_dir)
        else:
            files = []
        table = self.load_checkpoints(files)
        self.memo_lookup_table = table if self.memoize else {}
        if self.checkpoint_mode == "periodic":
            if self._period_seconds is None:
                raise ConfigurationError("Checkpoint period must be specified with periodic checkpoint mode")
            self._timer = Timer(self.checkpoint_queue, interval=self._period_seconds, name="Checkpoint")

    def close(self) -> None:
        if self._timer is not None:
            self._timer.close()
            self._timer = None
        if self.checkpoint_mode is not None:
            self.checkpoint_queue()

    def check_memo(self, task: TaskRecord) -> Optional[Future]:
        if not self.memoize or not task["memoize"]:
            task["hashsum"] = None
            return None
        hashsum = make_hash(task)
        task["hashsum"] = hashsum
        return self.memo_lookup_table.get(hashsum)

    def update_memo_result(self, task: TaskRecord, r: Any) -> None:
        self._update_memo(task)
        if self.checkpoint_mode is not None and task.get("hashsum"):
            self._record(task, r)

    def update_memo_exception(self, task: TaskRecord, e: BaseException) -> None:
        self._update_memo(task)

    def _update_memo(self, task: TaskRecord) -> None:
        if self.memoize and task["memoize"] and isinstance(task.get("hashsum"), str):
            self.memo_lookup_table[task["hashsum"]] = task["app_fu"]

    def _record(self, task: TaskRecord, result: Any) -> None:
        entry = (task["id"], task["hashsum"], result)
        if self.checkpoint_mode == "task_exit":
            with self._lock:
                self._write([entry])
        else:
            with self._lock:
                self._queue.append(entry)

    def checkpoint(self) -> None:
        """Write every result completed since the last checkpoint (the ``manual`` mode's call)."""
        self.checkpoint_queue()

    def checkpoint_queue(self) -> None:
        """Write the queued results to this run's checkpoint file."""
        with self._lock:
            queue, self._queue = self._queue, []
            self._write(queue)

    def _write(self, entries: List[tuple]) -> None:
        """Append ``entries`` to this run's checkpoint file (created even when there are none,
        so that a checkpointing run always leaves a checkpoint a later run can name).

        The records are pickled first and appended in one write: a crash can only cut the file
        after its last whole record, and ``load_checkpoints`` drops such a cut tail.
        """
        directory = os.path.join(self.run_dir, "checkpoint")
        if not os.path.isdir(directory):
            _create_checkpoint_dir(directory)
        records = []
        for task_id, hashsum, result in entries:
            try:
                records.append(pickle.dumps({"hash": hashsum, "exception": None, "result": result}))
            except Exception as e:
                logger.warning("Task %s: result of type %s cannot be checkpointed (%s: %s); "
                               "it stays memoized for this run only", task_id, type(result).__name__,
                               type(e).__name__, e)
        _append(os.path.join(directory, "tasks.pkl"), b"".join(records))
        self.checkpointed_tasks += len(records)
        if records:
            logger.info("Done checkpointing %s tasks", len(records))
        else:
            logger.info("No tasks checkpointed in this pass")

    def load_checkpoints(self, checkpointDirs: Optional[Sequence[str]]) -> Dict[str, Future]:
        """Read checkpoint directories into a hash -> completed future table."""
        table: Dict[str, Future] = {}
        for directory in checkpointDirs or []:
            path = os.path.join(directory, "tasks.pkl")
            try:
                for data in read_checkpoint(path):
                    fut: Future = Future()
                    fut.set_result(data["result"])
                    table[data["hash"]] = fut
            except FileNotFoundError:
                raise BadCheckpoint(f"Checkpoint file was not found: {path}") from None
            except Exception as e:
                raise BadCheckpoint(f"Failed to load checkpoint: {path}: {type(e).__name__}: {e}") from e
        return table


def _create_checkpoint_dir(directory: str) -> None:
    """Create ``directory`` holding an empty ``tasks.pkl``, both at once (a rename): a crash never
    leaves a checkpoint directory without its file, which would stop every later run from starting."""
    staging = f"{directory}.{os.getpid()}.tmp"
    os.makedirs(staging, exist_ok=True)
    open(os.path.join(staging, "tasks.pkl"), "ab").close()
    os.rename(staging, directory)


def _append(path: str, data: bytes) -> None:
    """Append ``data`` to ``path`` (one buffered write: a crash leaves a prefix of it, never a mix)."""
    with open(path, "ab") as f:
        f.write(data)


def read_checkpoint(path: str) -> Iterator[Dict[str, Any]]:
    """The records of one ``tasks.pkl``: a sequence of pickles, as Parsl writes it.

    A last record cut short (its run was killed while writing it) is dropped with a warning: its
    task simply runs again. A damaged record anywhere else is an error.
    """
    with open(path, "rb") as f:
        data = f.read()
    stream = io.BytesIO(data)
    while stream.tell() < len(data):
        start = stream.tell()
        try:
            yield pickle.load(stream)
        except (EOFError, pickle.UnpicklingError):
            # cut short: the unpickler ran out of data inside a record that starts as a pickle does
            if stream.tell() < len(data) or data[start:start + 1] != pickle.PROTO:
                raise
            logger.warning("Checkpoint %s ends with a record cut short at byte %d (its run stopped while "
                           "writing it); that task will run again", path, start)
            return


def _parse_period(period: str) -> int:
    try:
        h, m, s = map(int, period.split(":"))
    except Exception:
        raise ConfigurationError(f"invalid checkpoint_period provided: {period} expected HH:MM:SS") from None
    return h * 3600 + m * 60 + s


__all__ = ["BasicMemoizer", "Memoizer", "id_for_memo", "make_hash", "read_checkpoint"]
