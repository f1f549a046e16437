"""Pass large task arguments and results by reference, through ProxyStore.

``ProxyStoreSerializer(store=..., should_proxy=...)`` (Parsl's class) is a data serializer: each
object of a task's arguments for which ``should_proxy(obj)`` is true is put in the ProxyStore
``store`` and replaced in the message by a proxy, a reference of a few hundred bytes that the
worker resolves from the store on first use. So a 50 MB array goes to the worker through the
store (a file in shared memory, for the default store) instead of through the executor's
interchange.

Each message also carries the store's configuration and the policy: a worker that receives one
adopts them and serializes results with the same rule, so large results come back by reference
too (the caller receives a proxy, which behaves like the result). A proxy is resolved on first
use; code that needs the object itself (C functions taking a buffer, ``type(x) is bytes``) gets
it with ``proxystore.proxy.extract(p)`` (or ``bytes(p)``).

The easy way in::

    from parsl.serialize.proxystore import enable_proxystore
    enable_proxystore(threshold=1_000_000)   # objects of 1 MB or more go by reference

The ``proxystore`` library is an optional dependency (``pip install 'parsl-core[proxystore]'``),
imported only when a store is used.
"""

from __future__ import annotations

import atexit
import io
import os
import shutil
import tempfile
import uuid
from typing import Any, Callable, Optional

import attrs
import dill

from parsl.serialize import facade
from parsl.serialize.base import SerializerBase

INSTALL_HINT = "ProxyStore support needs the proxystore library: pip install 'parsl-core[proxystore]'"

def _require_proxystore() -> None:
    try:
        import proxystore.store  # noqa: F401
    except ImportError as e:
        raise ImportError(INSTALL_HINT) from e


@attrs.frozen
class LargerThan:
    """A ``should_proxy`` policy: byte strings, strings and buffers (objects with ``nbytes``,
    such as NumPy arrays) of at least ``threshold`` bytes.

    The check looks at the exact type, never through a proxy (which would fetch its target).
    """

    threshold: int = 1_000_000

    def __call__(self, obj: Any) -> bool:
        kind = type(obj)
        if kind in (bytes, bytearray, str):
            return len(obj) >= self.threshold
        if kind is memoryview or hasattr(kind, "__array_interface__"):
            return int(obj.nbytes) >= self.threshold
        return False


class _ProxyingPickler(dill.Pickler):  # type: ignore[misc]
    """dill, except that objects the policy picks are stored and pickled as proxies."""

    def __init__(self, file: io.BytesIO, *, store: Any, should_proxy: Callable[[Any], bool]) -> None:
        super().__init__(file)
        self._store = store
        self._should_proxy = should_proxy

    def reducer_override(self, obj: Any) -> Any:
        if self._should_proxy(obj):
            return self._store.proxy(obj).__reduce__()
        return NotImplemented


class ProxyStoreSerializer(SerializerBase):
    """A data serializer that passes what ``should_proxy`` picks through ``store`` by reference.

    Made without a store (as a worker does when a message names this serializer), it can only
    deserialize; on the first message it adopts that message's store and policy.
    """

    def __init__(self, *, should_proxy: Optional[Callable[[Any], bool]] = None, store: Any = None) -> None:
        self._store = store
        self._should_proxy = should_proxy

    def serialize(self, data: Any) -> bytes:
        if self._store is None or self._should_proxy is None:
            raise ValueError("ProxyStoreSerializer needs store= and should_proxy= to serialize")
        f = io.BytesIO()
        dill.dump((self._store.config(), self._should_proxy), f)
        _ProxyingPickler(f, store=self._store, should_proxy=self._should_proxy).dump(data)
        return f.getvalue()

    def deserialize(self, body: bytes) -> Any:
        f = io.BytesIO(body)
        store_config, should_proxy = dill.load(f)
        if self._store is None:
            self._adopt(store_config, should_proxy)
        return dill.load(f)

    def _adopt(self, store_config: Any, should_proxy: Callable[[Any], bool]) -> None:
        """Serialize this process's data (a worker's results) as the sender does."""
        _require_proxystore()
        from proxystore.store import get_or_create_store

        self._store = get_or_create_store(store_config, register=True)
        self._should_proxy = should_proxy
        _register_first(self)


def _register_first(serializer: SerializerBase) -> None:
    """Make ``serializer`` the first data serializer tried (the others stay, as fallbacks)."""
    others = {k: v for k, v in facade.methods_for_data.items() if k != serializer.identifier}
    facade.methods_for_data.clear()
    facade.methods_for_data[serializer.identifier] = serializer
    facade.methods_for_data.update(others)


def enable_proxystore(threshold: int = 1_000_000, *, store_dir: Optional[str] = None,
                      should_proxy: Optional[Callable[[Any], bool]] = None) -> ProxyStoreSerializer:
    """Pass task arguments (and results) of ``threshold`` bytes or more by reference from now on.

    The store keeps each object as a file in ``store_dir``: by default a new directory in shared
    memory (``/dev/shm``, else the temporary directory), readable by every worker on this
    machine; give a directory on a shared file system for workers on other nodes. A directory
    made here is removed when the interpreter exits. Returns the serializer (for
    ``disable_proxystore``).
    """
    _require_proxystore()
    from proxystore.connectors.file import FileConnector
    from proxystore.store import Store

    if store_dir is None:
        shm = "/dev/shm"
        store_dir = tempfile.mkdtemp(prefix="parsl-proxystore-", dir=shm if os.path.isdir(shm) else None)
        atexit.register(shutil.rmtree, store_dir, True)
    store = Store(f"parsl-{uuid.uuid4()}", FileConnector(store_dir=store_dir), register=True)
    serializer = ProxyStoreSerializer(store=store, should_proxy=should_proxy or LargerThan(threshold))
    _register_first(serializer)
    return serializer


def disable_proxystore(serializer: ProxyStoreSerializer) -> None:
    """Stop passing data by reference through ``serializer`` (proxies already made stay valid)."""
    facade.methods_for_data.pop(serializer.identifier, None)
    facade.additional_methods_for_deserialization[serializer.identifier] = serializer
