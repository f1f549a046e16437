"""``SiteStaging``: a task's files follow it to its site, and stay there for the next task.

For an executor on a site without a shared file system (its provider's channel names the host):

* an input gets a sandbox of its own on the site, filled from the site's cache; a file not yet
  cached there is copied in from wherever the workflow has a copy -- the site that produced it
  (point to point), or this machine -- and verified by sha256;
* an output is written in a sandbox, moved into the site's cache (recorded as a replica, so a
  later consumer is served from there), and, with ``collect`` (the default), copied back to its
  path here, verified;
* every copy and every cache hit is reported to monitors as a ``Transfer``.

A ``File(path, site=label)`` names a file that already lives on the site of executor ``label``.
The copying itself is the ``mover``'s (``RSyncSiteStaging`` in parsl-staging-rsync; the core's
``CopyMover`` serves sites on this machine).
"""

from __future__ import annotations

import datetime
import functools
import os
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, Optional

import attrs

from parsl.channels.local import LocalChannel
from parsl.channels.tunnel import provider_channels
from parsl.data_provider.atomic_files import partial_path, remove_if_present
from parsl.data_provider.checksums import file_digest
from parsl.data_provider.local_paths import remove_sandbox_file
from parsl.data_provider.node_cache import DEFAULT_CACHE_SIZE
from parsl.data_provider.replicas import SUBMIT_SITE, Replica
from parsl.data_provider.site_moves import CopyMover, MoveFailed, Mover
from parsl.data_provider.site_store import SiteStore
from parsl.data_provider.staging import Staging
from parsl.data_provider.staging_errors import StagingError
from parsl.data_provider.transfer_record import Transfer
from parsl.plugins.settings import settings

if TYPE_CHECKING:
    from concurrent.futures import Future

    from parsl.channels.base import Channel
    from parsl.data_provider.files import File
    from parsl.plugins.protocols import DataManagerView


def site_channel(executor: Any) -> Channel:
    """The one host an executor's tasks run on: its provider's channel (this machine without one)."""
    channels = provider_channels(getattr(executor, "provider", None))
    if len(channels) > 1:
        raise ValueError(f"executor {executor.label!r} runs on {len(channels)} hosts; SiteStaging needs one "
                         f"site per executor (give each host an executor of its own)")
    return channels[0] if channels else LocalChannel()


@settings
class SiteStaging(Staging):
    """Move a task's ``file`` inputs and outputs to and from its site (see the module docstring).

    ``root``: the site's data directory (default ``~/.parsl/data`` on the host); ``cache_size``:
    bytes the site's cache may hold; ``collect``: copy outputs back here too.
    """

    root: Optional[str] = None
    cache_size: int = DEFAULT_CACHE_SIZE
    collect: bool = True
    _stores: Dict[str, SiteStore] = attrs.field(init=False, factory=dict, repr=False, eq=False)
    _lock: threading.Lock = attrs.field(init=False, factory=threading.Lock, repr=False, eq=False)

    def mover(self) -> Mover:
        return CopyMover()

    def store(self, dm: DataManagerView, executor: str) -> SiteStore:
        """The data directory of the site of ``executor``."""
        with self._lock:
            if executor not in self._stores:
                channel = site_channel(dm.dfk.executors[executor])
                self._stores[executor] = SiteStore(executor, channel, self.root, self.cache_size)
            return self._stores[executor]

    def can_stage_in(self, file: File) -> bool:
        return file.scheme == "file"

    def can_stage_out(self, file: File) -> bool:
        return file.scheme == "file"

    def stage_in(self, dm: DataManagerView, executor: str, file: File,
                 parent_fut: Future | None) -> Future | None:
        store = self.store(dm, executor)
        file.local_path = store.sandbox_path(file.filename)
        return dm.stage_in_task(file, parent_fut, stage_in_to_site, self.mover(), dm, store)

    def stage_out(self, dm: DataManagerView, executor: str, file: File,
                  app_fu: Future) -> Future | None:
        store = self.store(dm, executor)
        file.local_path = store.sandbox_path(file.filename)
        return dm.submit_staging_task(stage_out_from_site, self.mover(), dm, store, self.collect, app_fu,
                                      inputs=[file])

    def replace_task(self, dm: DataManagerView, executor: str, file: File,
                     func: Callable) -> Callable:
        assert file.local_path is not None
        return functools.partial(_run_then_remove, func, file.local_path)

    def replace_task_stage_out(self, dm: DataManagerView, executor: str, file: File,
                               func: Callable) -> Callable:
        assert file.local_path is not None
        return functools.partial(_make_dir_then_run, func, os.path.dirname(file.local_path))


def _run_then_remove(func: Callable[..., Any], path: str, *args: Any, **kwargs: Any) -> Any:
    """On the worker: run the task, then remove its sandboxed input (the cache keeps the file)."""
    try:
        return func(*args, **kwargs)
    finally:
        remove_sandbox_file(path)


def _make_dir_then_run(func: Callable[..., Any], directory: str, *args: Any, **kwargs: Any) -> Any:
    """On the worker: make the output's sandbox, then run the task."""
    os.makedirs(directory, exist_ok=True)
    return func(*args, **kwargs)


# -- the staging tasks (on the submit side) ----------------------------------------------------


def stage_in_to_site(mover: Mover, dm: DataManagerView, store: SiteStore, parent_fut: Any = None,
                     outputs: Iterable[File] = ()) -> None:
    """Put ``outputs[0]`` at its sandbox path on the site, from the site's cache or by a transfer."""
    file = next(iter(outputs))
    assert file.local_path is not None
    for _ in range(2):  # the cached copy may be evicted between the transfer and the link: once more
        with dm.replicas.claim(file.url, store.name):
            blob = _bring(mover, dm, store, file)
        if store.link(file.url, blob, file.local_path):
            dm.replicas.forget(store.name, store.evict())
            return
        dm.replicas.forget(store.name, [blob])
    raise store.error(file.url, f"the cache keeps evicting {file.filename}; is cache_size too small?")


def _bring(mover: Mover, dm: DataManagerView, store: SiteStore, file: File) -> str:
    """The path of a verified copy of ``file`` in ``store``'s cache, transferring it if needed."""
    started = datetime.datetime.now()
    have = dm.replicas.get(file.url, store.name)
    if have is not None:
        dm.record_transfer(Transfer(file.url, store.name, store.name, "cached", 0, started, 0.0, have.sha256))
        return have.path
    source = _source(dm, file)
    clock = time.monotonic()
    partial = store.partial(source.sha256)
    try:
        route = dm.routes.move(mover, source, store, partial)
        blob = store.verify_and_install(file.url, partial, source.sha256)
    except MoveFailed as e:
        store.remove(partial)
        error = store.error(file.url, f"receiving {file.filename} from site {source.site!r} failed", str(e))
        dm.record_transfer(Transfer(file.url, source.site, store.name, "failed", 0, started,
                                    time.monotonic() - clock, source.sha256, error=str(error)))
        raise error from None
    dm.replicas.add(file.url, Replica(store.name, store.channel, blob, source.sha256, source.size))
    dm.record_transfer(Transfer(file.url, source.site, store.name, route, source.size, started,
                                time.monotonic() - clock, source.sha256))
    return blob


def _source(dm: DataManagerView, file: File) -> Replica:
    """Where to copy ``file`` from: a site that holds it (before this machine), or this machine."""
    replicas = sorted(dm.replicas.of(file.url), key=lambda r: r.site == SUBMIT_SITE)
    if replicas:
        return replicas[0]
    if file.site is not None and file.site != SUBMIT_SITE:
        store = dm.site_store(file.site)
        sha256, size = store.checksum(file.url, file.path)
        replica = Replica(store.name, store.channel, file.path, sha256, size)
    else:
        if not os.path.isfile(file.path):
            raise StagingError(file.url, f"no such file here, and no site holds it: {file.path}")
        replica = Replica(SUBMIT_SITE, LocalChannel(), file.path, file_digest(file.path), os.path.getsize(file.path))
    dm.replicas.add(file.url, replica)
    return replica


def stage_out_from_site(mover: Mover, dm: DataManagerView, store: SiteStore, collect: bool, app_fu: Any = None,
                        inputs: Iterable[File] = ()) -> None:
    """Keep the task's output in its site's cache, record it, and (``collect``) copy it back here."""
    file = next(iter(inputs))
    assert file.local_path is not None
    try:
        sha256, size = store.checksum(file.url, file.local_path)
    except StagingError:
        raise StagingError(file.url, f"the task did not produce {file.local_path} on site {store.name!r} "
                           f"({store.host})", direction="out") from None
    blob = store.adopt(file.url, file.local_path, sha256)
    dm.replicas.add(file.url, Replica(store.name, store.channel, blob, sha256, size))
    if collect:
        _collect(mover, dm, store, file, blob, sha256, size)
    dm.replicas.forget(store.name, store.evict())


def _collect(mover: Mover, dm: DataManagerView, store: SiteStore, file: File, blob: str, sha256: str,
             size: int) -> None:
    """Copy the output back to its path here, verified and atomically."""
    started, clock = datetime.datetime.now(), time.monotonic()
    os.makedirs(os.path.dirname(os.path.abspath(file.path)), exist_ok=True)
    tmp = partial_path(file.path)
    try:
        mover.pull(store.channel, blob, tmp)
        got = file_digest(tmp)
        if got != sha256:
            raise MoveFailed(f"checksum mismatch: expected sha256 {sha256}, got {got}")
        os.replace(tmp, file.path)
    except MoveFailed as e:
        raise StagingError(file.url, f"collecting from site {store.name!r} ({store.host}) failed: {e}",
                           direction="out") from None
    finally:
        remove_if_present(tmp)
    dm.replicas.add(file.url, Replica(SUBMIT_SITE, LocalChannel(), file.path, sha256, size))
    dm.record_transfer(Transfer(file.url, store.name, SUBMIT_SITE, "collect", size, started,
                                time.monotonic() - clock, sha256))
