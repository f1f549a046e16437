"""What every staging provider shares: safe downloads, the node cache, errors, task wiring.

A staging provider plugin only says how to move bytes for its protocol: a ``Fetch`` callable
``fetch(url, path)`` that writes the whole remote file to ``path``, and for stage-out an
``Upload`` callable ``upload(path, url)``. Everything else lives here, once:

- ``fetch_to`` downloads into a hidden temporary file next to the destination and renames it
  into place only when it is complete and its checksum (``#sha256=...`` on the URL) matches,
  so a failed transfer never leaves a file that looks complete;
- ``NodeCache`` keeps a content-addressed copy of every download on the node, bounded in
  size, so the next task needing the same URL on that node does not fetch it again;
- ``StagingError`` names the URL (without its password) and the cause;
- ``SeparateTaskStaging`` and ``InTaskStaging`` implement the DataManager protocol for
  download protocols: a staging task on the ``_parsl_internal`` executor, or a wrapper around
  the app that runs on the worker.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import shutil
import uuid
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit, urlunsplit

from parsl.data_provider.staging import Staging
from parsl.errors import ParslError

if TYPE_CHECKING:
    from concurrent.futures import Future

    from parsl.data_provider.files import File

logger = logging.getLogger(__name__)

#: ``fetch(url, path)``: write the complete content of ``url`` to the new file ``path``.
Fetch = Callable[[str, str], None]
#: ``upload(path, url)``: send the local file ``path`` to ``url``.
Upload = Callable[[str, str], None]

#: The executor that runs separate staging tasks, on the submit side.
INTERNAL_EXECUTOR = "_parsl_internal"
#: Default size limit of a node cache, in bytes.
DEFAULT_CACHE_SIZE = 1 << 30
_PARTIAL = ".parsl-partial-"
_CHUNK = 1 << 20


class StagingError(ParslError):
    """Moving a file to or from where a task runs failed.

    ``url`` is the file's URL with any password removed; ``cause`` says what went wrong
    (``HTTP 404 Not Found``, ``530 Login incorrect.``, ``No space left on device``).
    """

    def __init__(self, url: str, cause: str, direction: str = "in"):
        self.url = redact(url)
        self.cause = cause
        self.direction = direction
        super().__init__(self.url, cause, direction)

    def __str__(self) -> str:
        return f"staging {self.direction} {self.url} failed: {self.cause}"


def redact(url: str) -> str:
    """``url`` without the password of its user-info part, fit for errors and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def describe(exc: BaseException) -> str:
    """A one-line cause for ``exc``, without the library's traceback."""
    if isinstance(exc, StagingError):
        return exc.cause
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        return f"{exc.strerror}{where}"
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def expected_checksum(url: str) -> tuple[str, str] | None:
    """The ``(algorithm, hexdigest)`` a URL fragment such as ``#sha256=ab12...`` asks for."""
    fragment = urlsplit(url).fragment
    algorithm, sep, digest = fragment.partition("=")
    if not sep:
        return None
    algorithm = algorithm.lower()
    if algorithm not in hashlib.algorithms_guaranteed:
        raise StagingError(url, f"unknown checksum algorithm {algorithm!r} in the URL fragment")
    return algorithm, digest.lower()


def without_fragment(url: str) -> str:
    """``url`` as sent to the server: the checksum fragment is ours, not the server's."""
    return urlunsplit(urlsplit(url)._replace(fragment=""))


def file_digest(path: str, algorithm: str = "sha256") -> str:
    """The hex digest of the file at ``path``."""
    h = hashlib.new(algorithm)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def partial_path(dest: str) -> str:
    """A unique hidden name next to ``dest`` that never looks like the finished file."""
    head, tail = os.path.split(dest)
    return os.path.join(head, f".{tail}{_PARTIAL}{uuid.uuid4().hex}")


def install_atomically(src: str, dest: str, *, move: bool = False) -> None:
    """Put a copy of ``src`` (or ``src`` itself, if ``move``) at ``dest`` in one rename."""
    os.makedirs(os.path.dirname(os.path.abspath(dest)), exist_ok=True)
    tmp = partial_path(dest)
    try:
        if move:
            os.replace(src, tmp)
        else:
            shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
    finally:
        _remove(tmp)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


class NodeCache:
    """A content-addressed cache of downloaded files on one node, bounded in size.

    ``blobs/<sha256>`` holds each distinct content once; ``urls/<sha256 of the URL>`` records
    which content a URL last had. A URL carrying ``#sha256=...`` is looked up by content
    directly. When the blobs exceed ``max_bytes`` the least recently used go first. Every
    write is a rename, so concurrent tasks and workers on the node can share the cache; a
    cache that cannot be written (full disk, read-only) only costs a fetch, never a task.

    The cache treats URLs as immutable: a URL whose content changes should carry a checksum
    fragment, or the provider should be given ``cache_size=0``. ``directory`` is resolved on
    the node at first use: ``$PARSL_STAGING_CACHE_DIR``, else ``~/.cache/parsl/staging``.
    """

    def __init__(self, directory: str | None = None, max_bytes: int = DEFAULT_CACHE_SIZE):
        self.directory = directory
        self.max_bytes = max_bytes

    def __repr__(self) -> str:
        return f"NodeCache(directory={self.directory!r}, max_bytes={self.max_bytes!r})"

    @property
    def root(self) -> str:
        return (self.directory or os.environ.get("PARSL_STAGING_CACHE_DIR")
                or os.path.join(os.path.expanduser("~"), ".cache", "parsl", "staging"))

    def _blob(self, digest: str) -> str:
        return os.path.join(self.root, "blobs", digest)

    def _index(self, url: str) -> str:
        key = hashlib.sha256(without_fragment(url).encode()).hexdigest()
        return os.path.join(self.root, "urls", key)

    def lookup(self, url: str) -> str | None:
        """The cached blob holding ``url``'s content, or None; a hit counts as a use."""
        checksum = expected_checksum(url)
        if checksum and checksum[0] == "sha256":
            digest: str | None = checksum[1]
        else:
            try:
                with open(self._index(url)) as f:
                    digest = f.readline().strip()
            except OSError:
                return None
        blob = self._blob(digest or "")
        try:
            os.utime(blob)
        except OSError:
            return None
        return blob

    def add(self, url: str, path: str, digest: str) -> None:
        """Remember that ``url`` has the content of ``path`` (whose sha256 is ``digest``)."""
        if os.path.getsize(path) > self.max_bytes:
            return
        try:
            blob = self._blob(digest)
            if not os.path.exists(blob):
                install_atomically(path, blob)
            index = self._index(url)
            os.makedirs(os.path.dirname(index), exist_ok=True)
            tmp = partial_path(index)
            with open(tmp, "w") as f:
                f.write(f"{digest}\n{redact(without_fragment(url))}\n")
            os.replace(tmp, index)
            self.evict()
        except OSError as e:
            logger.warning("Not caching %s in %s: %s", redact(url), self.root, describe(e))

    def evict(self) -> None:
        """Remove least recently used blobs until the cache fits in ``max_bytes``."""
        blobs_dir = os.path.join(self.root, "blobs")
        entries = []
        for entry in os.scandir(blobs_dir):
            if _PARTIAL in entry.name:
                continue
            try:
                st = entry.stat()
            except FileNotFoundError:
                continue
            entries.append((st.st_mtime, st.st_size, entry.path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            _remove(path)
            total -= size

    def size(self) -> int:
        """Bytes held in blobs now."""
        blobs_dir = os.path.join(self.root, "blobs")
        if not os.path.isdir(blobs_dir):
            return 0
        return sum(e.stat().st_size for e in os.scandir(blobs_dir) if _PARTIAL not in e.name)


def fetch_to(url: str, dest: str, fetch: Fetch, cache: NodeCache | None = None) -> None:
    """Make ``dest`` a complete, verified copy of ``url``, or raise ``StagingError``.

    A cache hit copies from the node cache and fetches nothing. Otherwise ``fetch`` writes to
    a temporary file beside ``dest``, which is checked against the URL's checksum, renamed to
    ``dest`` and added to the cache. On any failure the temporary file is removed.
    """
    checksum = expected_checksum(url)
    blob = cache.lookup(url) if cache is not None and cache.max_bytes > 0 else None
    if blob is not None:
        try:
            install_atomically(blob, dest)
            logger.debug("Staged %s from the node cache %s", redact(url), blob)
            return
        except FileNotFoundError:
            logger.debug("Cache entry for %s vanished; fetching", redact(url))
        except OSError as e:
            raise StagingError(url, describe(e)) from None
    tmp = partial_path(dest)
    try:
        os.makedirs(os.path.dirname(os.path.abspath(dest)), exist_ok=True)
        fetch(without_fragment(url), tmp)
        if not os.path.isfile(tmp):
            raise StagingError(url, "the transfer completed but produced no file")
        digest = file_digest(tmp)
        if checksum:
            got = digest if checksum[0] == "sha256" else file_digest(tmp, checksum[0])
            if got != checksum[1]:
                raise StagingError(url, f"checksum mismatch: expected {checksum[0]} {checksum[1]}, got {got}")
        os.replace(tmp, dest)
    except StagingError:
        raise
    except Exception as e:
        raise StagingError(url, describe(e)) from None
    finally:
        _remove(tmp)
    if cache is not None and cache.max_bytes > 0:
        cache.add(url, dest, digest)


def upload_from(path: str, url: str, upload: Upload) -> None:
    """Send ``path`` to ``url`` with ``upload``, or raise ``StagingError`` naming both."""
    if not os.path.isfile(path):
        raise StagingError(url, f"the task did not produce {path}", direction="out")
    try:
        upload(path, without_fragment(url))
    except StagingError as e:
        raise StagingError(url, e.cause, direction="out") from None
    except Exception as e:
        raise StagingError(url, describe(e), direction="out") from None


# -- where a staged file goes on the executor's side ------------------------------------------


def working_dir_of(dm: Any, executor: str) -> str | None:
    """The ``working_dir`` of the executor labelled ``executor``, if it has one."""
    return getattr(dm.dfk.executors[executor], "working_dir", None)


def set_local_path(dm: Any, executor: str, file: File, *, sandbox: bool = False) -> str:
    """Decide where ``file`` lives next to the task and record it as ``file.local_path``.

    It is ``<working_dir>/<filename>`` (relative to the worker's directory without a
    ``working_dir``), as in Parsl. With ``sandbox``, a fresh ``parsl-sandbox-<id>/`` directory
    is put in between, so that tasks on a worker without a shared file system never collide.
    """
    parts = [working_dir_of(dm, executor) or ""]
    if sandbox:
        parts.append(f"parsl-sandbox-{uuid.uuid4().hex}")
    file.local_path = os.path.join(*parts, file.filename)
    return file.local_path


def remove_sandbox_file(path: str) -> None:
    """Remove a staged file and its ``parsl-sandbox-*`` directory once empty."""
    _remove(path)
    parent = os.path.dirname(path)
    if os.path.basename(parent).startswith("parsl-sandbox-"):
        try:
            os.rmdir(parent)
        except OSError:
            pass


# -- the DataManager protocol for download protocols -----------------------------------------


def submit_staging_task(dm: Any, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Future:
    """Run ``func`` as a Parsl task on the internal executor and return its AppFuture.

    Staging tasks are ordinary tasks (their states reach monitors) marked with
    ``_parsl_staging_inhibit`` so that their own ``inputs``/``outputs`` are not staged again.
    """
    from parsl.app.app import python_app

    app = python_app(executors=[INTERNAL_EXECUTOR], data_flow_kernel=dm.dfk)(func)
    return app(*args, _parsl_staging_inhibit=True, **kwargs)


def stage_in_task(fetch: Fetch, cache: NodeCache | None, parent_fut: Any = None,
                  outputs: Iterable[File] = (), _parsl_staging_inhibit: bool = True) -> None:
    """The body of a separate stage-in task: fetch ``outputs[0]`` to its local path."""
    file = next(iter(outputs))
    fetch_to(file.url, file.filepath, fetch, cache)


def stage_out_task(upload: Upload, app_fu: Any = None, inputs: Iterable[File] = (),
                   _parsl_staging_inhibit: bool = True) -> None:
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


class DownloadStaging(Staging):
    """Shared by providers whose protocol is given by ``schemes`` and ``fetch``/``upload``.

    Subclasses are ``@settings`` classes with ``cache_dir`` and ``cache_size`` fields.
    """

    schemes: ClassVar[tuple[str, ...]] = ()
    cache_dir: str | None = None
    cache_size: int = DEFAULT_CACHE_SIZE

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
    """Stage in and out as separate tasks on the submit side (``_parsl_internal``).

    The file lands in the executor's ``working_dir``, which the workers must share.
    """

    def stage_in(self, dm: Any, executor: str, file: File, parent_fut: Future | None) -> Future | None:
        set_local_path(dm, executor, file)
        fut = submit_staging_task(dm, stage_in_task, self.fetcher(), self.node_cache(),
                                  parent_fut=parent_fut, outputs=[file])
        return fut._outputs[0]  # type: ignore[attr-defined,no-any-return]

    def stage_out(self, dm: Any, executor: str, file: File, app_fu: Future) -> Future | None:
        upload = self.uploader()
        if upload is None:
            return None
        set_local_path(dm, executor, file)
        return submit_staging_task(dm, stage_out_task, upload, app_fu, inputs=[file])


class InTaskStaging(DownloadStaging):
    """Stage in and out on the worker, around the app: no shared file system needed."""

    def stage_in(self, dm: Any, executor: str, file: File, parent_fut: Future | None) -> Future | None:
        set_local_path(dm, executor, file)
        return None

    def stage_out(self, dm: Any, executor: str, file: File, app_fu: Future) -> Future | None:
        set_local_path(dm, executor, file)
        return None

    def replace_task(self, dm: Any, executor: str, file: File, func: Callable) -> Callable | None:
        assert file.local_path is not None
        return in_task_stage_in(func, self.fetcher(), file.url, file.local_path, self.node_cache())

    def replace_task_stage_out(self, dm: Any, executor: str, file: File, func: Callable) -> Callable | None:
        upload = self.uploader()
        if upload is None:
            return None
        assert file.local_path is not None
        return in_task_stage_out(func, upload, file.local_path, file.url)


__all__ = [
    "DEFAULT_CACHE_SIZE",
    "INTERNAL_EXECUTOR",
    "Fetch",
    "InTaskStaging",
    "NodeCache",
    "SeparateTaskStaging",
    "StagingError",
    "Upload",
    "describe",
    "expected_checksum",
    "fetch_to",
    "file_digest",
    "in_task_stage_in",
    "in_task_stage_out",
    "install_atomically",
    "partial_path",
    "redact",
    "remove_sandbox_file",
    "set_local_path",
    "stage_in_task",
    "stage_out_task",
    "submit_staging_task",
    "upload_from",
    "without_fragment",
    "working_dir_of",
]
