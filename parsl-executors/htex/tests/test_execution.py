"""Tasks through real interchange, worker pool and worker processes."""

from __future__ import annotations

import os
import platform
import socket
import stat
import time
import traceback
from importlib.metadata import distribution

import pytest

from parsl.launchers.launchers import SimpleLauncher
from parsl_executor_htex.mpi_executor import MPIExecutor


def double(x: int) -> int:
    return 2 * x


def fails(message: str) -> None:
    def inner() -> None:
        raise KeyError(message)
    inner()


def environment(*names: str, pause: float = 0.0) -> dict:
    import os
    import time

    time.sleep(pause)
    return {n: os.environ.get(n) for n in names}


def affinity(pause: float) -> list:
    import os
    import time

    time.sleep(pause)
    return sorted(os.sched_getaffinity(0))


def ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def test_results_and_remote_tracebacks(start_htex) -> None:
    ex = start_htex()
    futures = [ex.submit(double, {}, i) for i in range(200)]
    assert [f.result(timeout=30) for f in futures] == [2 * i for i in range(200)]
    with pytest.raises(KeyError, match="from the worker") as info:
        ex.submit(fails, {}, "from the worker").result(timeout=30)
    frames = [f.name for f in traceback.extract_tb(info.value.__traceback__)]
    assert "inner" in frames and "fails" in frames  # the traceback from the worker, via tblib
    assert ex.outstanding() == 0
    (manager,) = ex.connected_managers()
    assert manager["python_version"] == platform.python_version()
    packages = ex.connected_managers_packages()
    assert packages[manager["manager"]]["parsl-executor-htex"] == distribution("parsl-executor-htex").version


def test_encrypted_by_default_with_private_certificates(start_htex) -> None:
    ex = start_htex()
    assert ex.encrypted and ex.cert_dir is not None
    assert stat.S_IMODE(os.stat(ex.cert_dir).st_mode) == 0o700
    assert ex.submit(double, {}, 4).result(timeout=30) == 8


def test_unencrypted_and_ipv6_loopback_on_a_fixed_port(start_htex) -> None:
    assert ipv6_loopback_available(), "this test needs the IPv6 loopback address ::1"
    with socket.socket(socket.AF_INET6) as s:
        s.bind(("::1", 0))
        port = s.getsockname()[1]
    ex = start_htex(encrypted=False, loopback_address="::1", address="::1", worker_port=port)
    assert ex.cert_dir is None
    assert ex.submit(double, {}, 5).result(timeout=30) == 10
    assert ex.worker_port == port
    assert "-a ::1 " in ex.launch_cmd and f"--port={port}" in ex.launch_cmd


def test_priority_orders_waiting_tasks(start_htex, tmp_path) -> None:
    ex = start_htex(blocks=0, max_workers_per_node=1)
    order = str(tmp_path / "order")

    def record(name: str, path: str) -> None:
        with open(path, "a") as f:
            f.write(name + "\n")

    specs = [("low", {"priority": 10}), ("none", {}), ("high", {"priority": -5}), ("mid", {"priority": 1})]
    futures = [ex.submit(record, spec, name, order) for name, spec in specs]
    ex.scale_out_facade(1)
    for f in futures:
        f.result(timeout=30)
    assert open(order).read().split() == ["high", "mid", "low", "none"]


def test_accelerators_and_worker_environment(start_htex) -> None:
    ex = start_htex(available_accelerators=["gpu-a", "gpu-b"], max_workers_per_node=4)
    assert ex.workers_per_node == 2
    names = ("CUDA_VISIBLE_DEVICES", "ZE_AFFINITY_MASK", "PARSL_WORKER_RANK", "PARSL_WORKER_COUNT",
             "PARSL_WORKER_BLOCK_ID")
    futures = [ex.submit(environment, {}, *names, pause=0.05) for _ in range(20)]
    by_rank = {env["PARSL_WORKER_RANK"]: env for env in (f.result(timeout=30) for f in futures)}
    assert by_rank["0"]["CUDA_VISIBLE_DEVICES"] == by_rank["0"]["ZE_AFFINITY_MASK"] == "gpu-a"
    assert by_rank["1"]["CUDA_VISIBLE_DEVICES"] == by_rank["1"]["ZE_AFFINITY_MASK"] == "gpu-b"
    assert all(env["PARSL_WORKER_COUNT"] == "2" and env["PARSL_WORKER_BLOCK_ID"] == "0" for env in by_rank.values())


def test_cpu_affinity_pins_each_worker(start_htex) -> None:
    cpus = sorted(os.sched_getaffinity(0))
    ex = start_htex(cpu_affinity="alternating", max_workers_per_node=2)
    seen = {tuple(f.result(timeout=30)) for f in [ex.submit(affinity, {}, 0.05) for _ in range(20)]}
    assert seen == {tuple(cpus[0::2]), tuple(cpus[1::2])}


def test_mpi_tasks_get_a_launcher_prefix(start_htex, make_provider) -> None:
    ex = start_htex(cls=MPIExecutor, provider=make_provider(launcher=SimpleLauncher()),
                    max_workers_per_block=2, mpi_launcher="srun")
    names = ("PARSL_MPI_PREFIX", "PARSL_NUM_RANKS", "PARSL_MPI_NODELIST")
    env = ex.submit(environment, {"num_nodes": 1, "ranks_per_node": 3}, *names).result(timeout=30)
    host = socket.gethostname()
    assert env == {"PARSL_MPI_PREFIX": f"srun --ntasks 3 --ntasks-per-node 3 --nodelist {host} --nodes 1",
                   "PARSL_NUM_RANKS": "3", "PARSL_MPI_NODELIST": host}
    assert ex.submit(environment, {"num_nodes": 1, "num_ranks": 2}, "PARSL_MPI_PREFIX").result(timeout=30) == {
        "PARSL_MPI_PREFIX": f"srun --ntasks 2 --ntasks-per-node 2 --nodelist {host} --nodes 1"}
    assert environment("PARSL_MPI_PREFIX") == {"PARSL_MPI_PREFIX": None}


def echo(data: bytes) -> bytes:
    return data[::-1]


def test_large_arguments_and_results_cross_every_hop(start_htex) -> None:
    ex = start_htex()
    payloads = [bytes(range(256)) * (20_000 + i) for i in range(3)]  # about 5 MB each
    futures = [ex.submit(echo, {}, p) for p in payloads]
    assert [f.result(timeout=60) for f in futures] == [p[::-1] for p in payloads]


def test_interchange_launch_cmd_may_wrap_the_interchange(start_htex) -> None:
    import shlex
    import sys

    wrapper = ["/bin/sh", "-c", f"{shlex.quote(sys.executable)} -m parsl_executor_htex.interchange; true"]
    ex = start_htex(interchange_launch_cmd=wrapper)
    assert ex.submit(double, {}, 21).result(timeout=30) == 42
    time.sleep(1.5)  # the interchange checks its parent every 0.5 s: it must not take sh for a dead executor
    assert ex.submit(double, {}, 4).result(timeout=30) == 8
