"""ProxyStore serialization in the core: large objects by reference, small ones by value."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any, Iterator

import pytest
from proxystore.connectors.file import FileConnector
from proxystore.proxy import Proxy
from proxystore.store import Store, unregister_store

from parsl.serialize import deserialize, facade, serialize
from parsl.serialize.proxystore import (
    INSTALL_HINT,
    LargerThan,
    ProxyStoreSerializer,
    disable_proxystore,
    enable_proxystore,
)

MB = 1 << 20


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(f"test-{tmp_path.name}", FileConnector(store_dir=str(tmp_path / "store")), register=True)
    yield s
    unregister_store(s.name)
    s.close()


def test_large_objects_travel_by_reference(store: Store) -> None:
    s = ProxyStoreSerializer(store=store, should_proxy=LargerThan(MB))
    big = b"x" * (2 * MB)
    body = s.serialize(([big, 7], {"small": b"y" * 10}))
    assert len(body) < 4096, "the 2 MB value is not in the message"
    (items, kwargs) = s.deserialize(body)
    assert isinstance(items[0], Proxy) and items[0] == big
    assert items[1] == 7 and not isinstance(kwargs["small"], Proxy)


def test_policy_sizes() -> None:
    policy = LargerThan(100)
    assert policy(b"x" * 100) and policy("x" * 100) and policy(bytearray(100)) and policy(memoryview(b"x" * 100))
    assert not policy(b"x" * 99) and not policy(list(range(1000))) and not policy(None)


def test_a_worker_adopts_the_store_for_its_results(tmp_path: Path) -> None:
    """A separate process deserializes an argument, then returns a large result by reference."""
    serializer = enable_proxystore(threshold=MB, store_dir=str(tmp_path / "store"))
    try:
        message = serialize((b"a" * (3 * MB),))
        (tmp_path / "args").write_bytes(message)
        worker = textwrap.dedent("""
            import sys
            from pathlib import Path
            from parsl.serialize import deserialize, serialize
            (arg,) = deserialize(Path(sys.argv[1], "args").read_bytes())
            Path(sys.argv[1], "result").write_bytes(serialize(bytes(arg) + b"b" * (2 << 20)))
        """)
        subprocess.run([sys.executable, "-c", worker, str(tmp_path)], check=True, timeout=300)
        payload = (tmp_path / "result").read_bytes()
        assert len(message) < 4096 and len(payload) < 4096
        result = deserialize(payload)
        assert isinstance(result, Proxy) and len(result) == 5 * MB and result.endswith(b"b")
    finally:
        disable_proxystore(serializer)
    assert serializer.identifier not in facade.methods_for_data
    assert not isinstance(deserialize(serialize(b"a" * (3 * MB))), Proxy)


def test_without_store_it_only_deserializes() -> None:
    with pytest.raises(ValueError, match="needs store= and should_proxy="):
        ProxyStoreSerializer().serialize(1)


def test_missing_library_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [m for m in sys.modules if m == "proxystore" or m.startswith("proxystore.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "proxystore", None)  # as if not installed
    with pytest.raises(ImportError, match=r"pip install 'parsl-core\[proxystore\]'") as e:
        enable_proxystore()
    assert str(e.value) == INSTALL_HINT


def test_enabled_store_dir_is_in_shared_memory() -> None:
    serializer: Any = enable_proxystore()
    try:
        store_dir = serializer._store.connector.store_dir
        assert store_dir.startswith("/dev/shm/parsl-proxystore-")
    finally:
        disable_proxystore(serializer)
