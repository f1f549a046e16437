"""What ProxyStore saves the HighThroughputExecutor's interchange: bytes and time per large task.

    python bench/bench_proxystore.py [--sizes-mb 1 10 50] [--repeat 3]

For each argument size, one task takes a bytes argument of that size and returns a result of
the same size, first passed by value, then by reference through ProxyStore
(``parsl.serialize.proxystore.enable_proxystore`` with a 1 MB threshold: a file store in
``/dev/shm``). Measured on ``HighThroughputExecutor(max_workers_per_node=1)`` with one local block:

  interchange_bytes   bytes the interchange process sent plus received over TCP for the task
                      (kernel counters of its sockets, ``parsl.testing.network.tcp_bytes``)
  roundtrip_s         seconds from submitting the task to holding its result, a proxy's target
                      fetched (best of --repeat)

One JSON line per measurement, then one line with the ratios by reference / by value.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from typing import Any

MB = 1 << 20


def echo(data: bytes) -> bytes:
    """The task: its result is as large as its argument."""
    return bytes(data)


def _interchange_pid() -> int:
    import psutil

    (proc,) = [c for c in psutil.Process().children() if "parsl_executor_htex.interchange" in " ".join(c.cmdline())]
    return int(proc.pid)


def measure(app: Any, pid: int, size: int, repeat: int) -> tuple[int, float]:
    """Interchange bytes of one task (the first run) and its best round-trip time."""
    from parsl.testing.network import tcp_bytes

    data = os.urandom(size)
    best = float("inf")
    moved = 0
    for i in range(repeat):
        before = tcp_bytes(pid)
        start = time.perf_counter()
        result = app(data).result()
        assert len(result) == size  # a proxy is fetched here: part of the round trip
        best = min(best, time.perf_counter() - start)
        if i == 0:
            moved = tcp_bytes(pid) - before
    return moved, best


def emit(record: dict) -> dict:
    print(json.dumps(record), flush=True)
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes-mb", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import parsl
    from parsl.config import Config
    from parsl.executors import HighThroughputExecutor
    from parsl.providers import LocalProvider
    from parsl.serialize.proxystore import disable_proxystore, enable_proxystore

    app = parsl.python_app(echo)
    records: dict[tuple[int, str], dict] = {}
    with tempfile.TemporaryDirectory() as tmp:
        executor = HighThroughputExecutor(max_workers_per_node=1, provider=LocalProvider(init_blocks=1, max_blocks=1))
        with parsl.load(Config(executors=[executor], run_dir=tmp, initialize_logging=False)):
            app(b"warm up").result()
            pid = _interchange_pid()
            for mode in ("by_value", "by_reference"):
                serializer = enable_proxystore(threshold=MB) if mode == "by_reference" else None
                try:
                    for size_mb in args.sizes_mb:
                        moved, seconds = measure(app, pid, size_mb * MB, args.repeat)
                        for name, value, unit in (("interchange_bytes", moved, "bytes"), ("roundtrip_s", seconds, "s")):
                            records[(size_mb, f"{name}:{mode}")] = emit(
                                {"measure": name, "mode": mode, "size_mb": size_mb, "value": value, "unit": unit})
                finally:
                    if serializer is not None:
                        disable_proxystore(serializer)
    ratios = {f"{name}@{size}MB": round(records[(size, f"{name}:by_reference")]["value"]
                                        / max(records[(size, f"{name}:by_value")]["value"], 1e-9), 4)
              for size in args.sizes_mb for name in ("interchange_bytes", "roundtrip_s")}
    emit({"ratios_by_reference_over_by_value": ratios, "python": sys.version.split()[0]})


if __name__ == "__main__":
    main()
