"""ProxyStore on the HighThroughputExecutor: a real 50 MB argument and a 50 MB result go by
reference, around the interchange, which only sees the small messages."""

from __future__ import annotations

import hashlib
from typing import Any, Iterator

import psutil
import pytest

import parsl
from parsl import python_app
from parsl.config import Config
from parsl.serialize.proxystore import disable_proxystore, enable_proxystore
from parsl.testing.network import tcp_bytes
from parsl_executor_htex.executor import HighThroughputExecutor

MB = 1 << 20
SIZE = 50 * MB


@python_app
def digest(data: bytes) -> tuple[int, str, bool]:
    import hashlib

    from proxystore.proxy import Proxy

    # a proxy behaves like its target, except for C code that needs the buffer itself: bytes() it
    return len(data), hashlib.sha256(bytes(data)).hexdigest(), isinstance(data, Proxy)


@python_app
def make(n: int) -> bytes:
    return b"r" * n


def interchange_bytes() -> int:
    """Bytes the interchange process has sent and received over TCP so far."""
    (proc,) = [c for c in psutil.Process().children()
               if "parsl_executor_htex.interchange" in " ".join(c.cmdline())]
    return tcp_bytes(proc.pid)


@pytest.fixture
def htex_dfk(make_provider: Any, tmp_path: Any) -> Iterator[Any]:
    ex = HighThroughputExecutor(label="htex", max_workers_per_node=1, provider=make_provider())
    with parsl.load(Config(executors=[ex], run_dir=str(tmp_path / "runinfo"))) as dfk:
        yield dfk


def test_50mb_argument_and_result_by_reference(htex_dfk: Any, tmp_path: Any) -> None:
    data = bytes(range(256)) * (SIZE // 256)
    expected = (SIZE, hashlib.sha256(data).hexdigest())
    digest(b"warm up").result()  # the worker is connected before counting

    before = interchange_bytes()
    assert digest(data).result() == (*expected, False)
    by_value = interchange_bytes() - before
    assert by_value > SIZE, "without ProxyStore the argument crosses the interchange"

    serializer = enable_proxystore(threshold=MB, store_dir=str(tmp_path / "store"))
    try:
        before = interchange_bytes()
        assert digest(data).result() == (*expected, True)
        result = make(SIZE).result()
        by_reference = interchange_bytes() - before
        assert len(result) == SIZE and result[:1] == b"r"
        assert type(result).__name__ == "Proxy"
    finally:
        disable_proxystore(serializer)
    assert by_reference < MB, f"{by_reference} bytes crossed the interchange for two 50 MB transfers"
