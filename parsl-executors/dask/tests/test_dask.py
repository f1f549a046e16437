"""DaskExecutor against a real multi-process Dask cluster, a LocalCluster, and a dead or absent scheduler."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest
from conftest import START_TIMEOUT

import parsl
from parsl import python_app
from parsl.config import Config
from parsl.executors.engine import EngineTaskFailed, EngineUnreachable
from parsl.executors.errors import InvalidResourceSpecification, ScalingFailed
from parsl.testing.executors import add, wait_for_file
from parsl.testing.processes import wait_for
from parsl_executor_dask.executor import DaskExecutor

SHUTDOWN_BOUND = 60.0


def worker_name() -> str:
    from distributed import get_worker

    return get_worker().name


def kill_my_worker() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def die_once(marker: str) -> str:
    """Kill the worker on the first try (leaving ``marker``), succeed on the next."""
    if not Path(marker).exists():
        Path(marker).touch()
        kill_my_worker()
    return "second try"


@pytest.fixture
def executor(dask_cluster: str, tmp_path: Path) -> Iterator[DaskExecutor]:
    ex = DaskExecutor(address=dask_cluster)
    ex.run_dir = str(tmp_path)
    ex.start()
    yield ex
    ex.shutdown()


def in_thread(func: Any, bound: float) -> Any:
    """Run ``func`` in a thread; fail if it has not returned within ``bound`` seconds."""
    out: dict = {}

    def run() -> None:
        try:
            out["value"] = func()
        except BaseException as e:
            out["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(bound)
    assert not t.is_alive(), f"{func} did not return within {bound} s"
    if "error" in out:
        raise out["error"]
    return out.get("value")


def test_plugin_registration_imports_no_dask() -> None:
    import subprocess
    import sys

    code = ("import sys; from parsl.executors import DaskExecutor; import parsl.executors.dask as m;"
            "assert m.DaskExecutor is DaskExecutor; assert 'distributed' not in sys.modules, 'imported distributed'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_resources_route_to_the_worker_that_offers_them(executor: DaskExecutor) -> None:
    names = {executor.submit(worker_name, {"resources": {"GPU": 1}}).result(timeout=120) for _ in range(6)}
    assert names == {"gpu-worker"}


def test_unsatisfiable_resources_are_refused_naming_the_scheduler(executor: DaskExecutor, dask_cluster: str) -> None:
    with pytest.raises(InvalidResourceSpecification) as info:
        executor.submit(add, {"resources": {"GPU": 2}}, 1)
    assert "GPU=2" in str(info.value) and dask_cluster in str(info.value)
    with pytest.raises(InvalidResourceSpecification, match="resources"):
        executor.submit(add, {"resources": {"GPU": -1}}, 1)
    with pytest.raises(InvalidResourceSpecification, match="priority"):
        executor.submit(add, {"priority": "high"}, 1)


def test_priority_lower_runs_first(executor: DaskExecutor, tmp_path: Path) -> None:
    # the one GPU worker is busy; tasks then queued on it start lower priority number first
    gpu = {"GPU": 1}
    started, release, order = tmp_path / "started", tmp_path / "release", tmp_path / "order"
    blocker = executor.submit(wait_for_file, {"resources": gpu}, str(started), str(release), 120)
    try:
        wait_for(started.exists, START_TIMEOUT, "the GPU worker to be busy")
        late = [executor.submit(_append, {"priority": 10, "resources": gpu}, str(order), f"p10-{i}") for i in range(3)]
        early = [executor.submit(_append, {"priority": -10, "resources": gpu}, str(order), f"p-10-{i}")
                 for i in range(3)]
        wait_for(lambda: _processing_on_gpu_worker(executor) == 7, START_TIMEOUT,
                 "the queued tasks to reach the GPU worker")
    finally:
        release.touch()
    for f in [blocker, *late, *early]:
        f.result(timeout=120)
    assert [w[:4] for w in order.read_text().split()] == ["p-10"] * 3 + ["p10-"] * 3, order.read_text()


def _processing_on_gpu_worker(executor: DaskExecutor) -> int:
    processing = executor._client.processing()
    workers = executor._client.scheduler_info(n_workers=-1)["workers"]
    return sum(len(processing.get(addr, ())) for addr, w in workers.items() if w["name"] == "gpu-worker")


def _append(path: str, word: str) -> None:
    with open(path, "a") as f:
        f.write(word + "\n")


def test_a_killed_worker_is_an_engine_failure(executor: DaskExecutor, dask_cluster: str) -> None:
    with pytest.raises(EngineTaskFailed) as info:
        executor.submit(kill_my_worker, {}).result(timeout=120)
    assert "KilledWorker" in str(info.value) and dask_cluster in str(info.value)


def test_a_lost_worker_is_retried_by_parsl(dask_cluster: str, tmp_path: Path) -> None:
    dfk = parsl.load(Config(executors=[DaskExecutor(address=dask_cluster)], run_dir=str(tmp_path / "run"), retries=1))
    try:
        assert python_app(die_once)(str(tmp_path / "marker")).result(timeout=120) == "second try"
    finally:
        dfk.cleanup()
        parsl.clear()


def test_unreachable_scheduler_fails_fast_naming_engine_and_address(free_address: str) -> None:
    ex = DaskExecutor(address=free_address, connect_timeout=3)
    with pytest.raises(EngineUnreachable) as info:
        in_thread(ex.start, SHUTDOWN_BOUND)
    assert "Dask scheduler" in str(info.value) and free_address in str(info.value)
    in_thread(ex.shutdown, SHUTDOWN_BOUND)


def test_shutdown_does_not_hang_when_the_scheduler_died(lone_scheduler: Any, tmp_path: Path) -> None:
    proc, address = lone_scheduler
    ex = DaskExecutor(address=address, connect_timeout=5)
    ex.start()
    pending = ex.submit(add, {}, 1, 2)  # no worker: stays pending
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    in_thread(ex.shutdown, SHUTDOWN_BOUND)
    # failed either by the client noticing the lost scheduler first, or by the shutdown
    with pytest.raises(EngineTaskFailed) as info:
        pending.result(timeout=0)
    assert address in str(info.value)
    assert "scheduler-connection-lost" in str(info.value) or "shut down before the task finished" in str(info.value)


def test_options_are_exclusive() -> None:
    with pytest.raises(ValueError, match="address and cluster"):
        DaskExecutor(address="tcp://127.0.0.1:1", cluster=object())
    with pytest.raises(ValueError, match="connect_timeout"):
        DaskExecutor(connect_timeout=0)


def test_scaling_needs_a_cluster(executor: DaskExecutor) -> None:
    with pytest.raises(ScalingFailed, match="no cluster object"):
        executor.scale_out(1)


def test_local_cluster_is_started_scaled_and_closed(tmp_path: Path) -> None:
    ex = DaskExecutor(n_workers=1)
    dfk = parsl.load(Config(executors=[ex], run_dir=str(tmp_path / "run")))
    try:
        app = python_app(add, data_flow_kernel=dfk)
        assert [f.result(timeout=120) for f in [app(i, 1) for i in range(10)]] == list(range(1, 11))
        cluster = ex._own_cluster
        ex.scale_out(1)
        ex._client.wait_for_workers(2, timeout=120)
        ex.scale_in(1)
        wait_for(lambda: len(ex._client.scheduler_info(n_workers=-1)["workers"]) == 1, START_TIMEOUT,
                 "scale in to one worker")
    finally:
        dfk.cleanup()
        parsl.clear()
    assert cluster.status.name == "closed"


def test_a_user_client_is_left_open(dask_cluster: str, tmp_path: Path) -> None:
    from distributed import Client

    with Client(dask_cluster, set_as_default=False) as client:
        ex = DaskExecutor(client=client)
        ex.start()
        assert ex.submit(add, {}, 4, 5).result(timeout=120) == 9
        ex.shutdown()
        assert client.status == "running"
        assert client.submit(add, 1, 1, pure=False).result(timeout=120) == 2


def test_submit_after_shutdown_is_refused(executor: DaskExecutor) -> None:
    executor.shutdown()
    with pytest.raises(RuntimeError, match="shut down"):
        executor.submit(add, {}, 1)


def test_config_file_names_the_executor_and_round_trips(tmp_path: Path) -> None:
    from parsl.config import load_config_file
    from parsl.configfile.dump import dumps

    path = tmp_path / "dask.toml"
    path.write_text('[[executors]]\ntype = "dask"\naddress = "tcp://127.0.0.1:8786"\nconnect_timeout = 5\n')
    config = load_config_file(str(path))
    (ex,) = config.executors
    assert isinstance(ex, DaskExecutor) and ex.address == "tcp://127.0.0.1:8786" and ex.connect_timeout == 5.0
    assert 'type = "dask"' in dumps(config, "toml") and 'address = "tcp://127.0.0.1:8786"' in dumps(config, "toml")


def echo_keywords(**kwargs: object) -> dict:
    return kwargs


def test_task_keywords_named_like_dask_options_reach_the_task(executor: DaskExecutor) -> None:
    kwargs = {"key": "mine", "resources": "also mine", "pure": 1}
    assert executor.submit(echo_keywords, {}, **kwargs).result(timeout=120) == kwargs
