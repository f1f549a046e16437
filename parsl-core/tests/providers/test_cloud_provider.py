"""The cloud provider base and the local start-up runner, on an in-memory cloud whose "instances"
the runner runs as real local bash processes (the clouds' own plugins test against emulators)."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, ClassVar, Dict, Mapping, Sequence

import attrs
import pytest

from parsl.errors import ConfigurationError
from parsl.jobs.states import JobState
from parsl.launchers.base import Launcher
from parsl.launchers.launchers import SimpleLauncher
from parsl.plugins.settings import settings
from parsl.providers.cloud import CloudError, CloudProvider, InstanceState, StateFile, startup_script
from parsl.providers.errors import SubmitException
from parsl.testing.processes import wait_for
from parsl.testing.startup import EmulatedInstance, StartupRunner


class MemoryCloud:
    """Instances as dict entries: ``running`` until terminated; ids listed in ``stuck`` refuse it."""

    def __init__(self) -> None:
        self.instances: Dict[str, Dict[str, Any]] = {}
        self.stuck: set[str] = set()
        self.refuse: str = ""
        self.lock = threading.Lock()

    def view(self) -> Mapping[str, EmulatedInstance]:
        with self.lock:
            return {i: EmulatedInstance(d["state"] == "running", d["script"]) for i, d in self.instances.items()}

    def terminate(self, instance_id: str) -> None:
        with self.lock:
            self.instances[instance_id]["state"] = "terminated"


@settings
class MemoryProvider(CloudProvider):
    state_table: ClassVar[Mapping[str, JobState]] = {"running": JobState.RUNNING, "terminated": JobState.COMPLETED}

    cloud: Any = None
    nodes_per_block: int = 1
    init_blocks: int = 1
    min_blocks: int = 0
    max_blocks: int = 1
    parallelism: float = 1
    worker_init: str = ""
    walltime: str = "01:00:00"
    linger: bool = False
    state_file: Any = None
    launcher: Launcher = attrs.field(factory=SimpleLauncher)

    @property
    def label(self) -> str:
        return "memory"

    def _connect(self, state: Mapping[str, Any]) -> Dict[str, Any]:
        return {"network": state.get("network", f"net-{len(self.cloud.instances)}")}

    def _create_instance(self, name: str, script: str) -> str:
        if self.cloud.refuse:
            raise CloudError(self.label, "create instance", self.cloud.refuse, "no capacity")
        instance_id = f"i-{len(self.cloud.instances)}"
        with self.cloud.lock:
            self.cloud.instances[instance_id] = {"state": "running", "script": script, "name": name}
        return instance_id

    def _instance_states(self, ids: Sequence[str]) -> Mapping[str, InstanceState]:
        return {i: InstanceState(self.cloud.instances[i]["state"]) for i in ids if i in self.cloud.instances}

    def _terminate_instances(self, ids: Sequence[str]) -> Mapping[str, str]:
        failed = {i: "UnauthorizedOperation: you may not" for i in ids if i in self.cloud.stuck}
        for i in ids:
            if i not in failed and i in self.cloud.instances:
                self.cloud.terminate(i)
        return failed


@pytest.fixture
def cloud() -> MemoryCloud:
    return MemoryCloud()


def test_block_runs_worker_init_and_command_then_shuts_the_instance_down(cloud: MemoryCloud,
                                                                           tmp_path: Path) -> None:
    provider = MemoryProvider(cloud=cloud, worker_init="export GREETING=hello")
    with StartupRunner(cloud.view, str(tmp_path / "run"), on_shutdown=cloud.terminate) as runner:
        job = provider.submit("echo $GREETING from $JOBNAME", 1, "blk")
        wait_for(lambda: provider.status([job])[0].state == JobState.COMPLETED, 60, "the instance to shut down")
        assert runner.started == [job]
        assert "hello from blk." in runner.output(job)
        wait_for(lambda: runner.removed == [job], 60, "the runner to let the instance go")


def test_linger_keeps_the_instance_and_cancel_leaves_it(cloud: MemoryCloud, tmp_path: Path) -> None:
    provider = MemoryProvider(cloud=cloud, linger=True)
    with StartupRunner(cloud.view, str(tmp_path / "run"), on_shutdown=cloud.terminate) as runner:
        job = provider.submit("echo done", 1)
        wait_for(lambda: "parsl block exited with status 0" in runner.output(job), 60, "the block to end")
        assert "shutdown" not in startup_script("true", linger=True)
        assert provider.status([job])[0].state == JobState.RUNNING
        assert provider.cancel([job]) == [False]
        assert cloud.instances[job]["state"] == "running"


def test_walltime_ends_the_block_on_the_instance(cloud: MemoryCloud, tmp_path: Path) -> None:
    provider = MemoryProvider(cloud=cloud, walltime="00:00:01")
    with StartupRunner(cloud.view, str(tmp_path / "run"), on_shutdown=cloud.terminate) as runner:
        job = provider.submit("sleep 600", 1)
        wait_for(lambda: provider.status([job])[0].state == JobState.COMPLETED, 60, "the walltime to end the block")
        assert "parsl block exited with status 124" in runner.output(job)


def test_cancel_terminates_and_the_runner_kills_the_processes(cloud: MemoryCloud, tmp_path: Path) -> None:
    provider = MemoryProvider(cloud=cloud)
    with StartupRunner(cloud.view, str(tmp_path / "run")) as runner:
        job = provider.submit("sleep 600", 1)
        wait_for(lambda: job in runner.processes, 60, "the script to start")
        assert provider.cancel([job]) == [True]
        wait_for(lambda: runner.removed == [job], 60, "the runner to notice the termination")
        assert provider.status([job])[0].state == JobState.CANCELLED


def test_an_instance_that_cannot_be_terminated_is_named_and_kept(cloud: MemoryCloud, tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    state = tmp_path / "state.json"
    provider = MemoryProvider(cloud=cloud, state_file=str(state))
    job = provider.submit("sleep 600", 1)
    cloud.stuck.add(job)
    assert provider.cancel([job]) == [False]
    assert f"instance {job} was not terminated" in caplog.text and "UnauthorizedOperation" in caplog.text
    assert json.loads(state.read_text())["instances"] == [job]


def test_state_file_lets_a_later_run_clean_up(cloud: MemoryCloud, tmp_path: Path) -> None:
    state = tmp_path / "sub" / "state.json"
    first = MemoryProvider(cloud=cloud, state_file=str(state))
    jobs = [first.submit("sleep 600", 1) for _ in range(2)]
    saved = json.loads(state.read_text())
    assert saved == {"network": "net-0", "instances": jobs}
    later = MemoryProvider(cloud=cloud, state_file=str(state))
    assert later.previous_instances == jobs
    assert later.cleanup_previous() == [True, True]
    assert {cloud.instances[j]["state"] for j in jobs} == {"terminated"}
    assert json.loads(state.read_text()) == {"network": "net-0", "instances": []}
    assert not [p for p in state.parent.iterdir() if p.name != "state.json"], "partial files left behind"


def test_refused_submission_carries_the_cloud_error_code(cloud: MemoryCloud) -> None:
    cloud.refuse = "InsufficientInstanceCapacity"
    with pytest.raises(SubmitException, match="memory: create instance failed: InsufficientInstanceCapacity"):
        MemoryProvider(cloud=cloud).submit("true", 1)


def test_unknown_instance_is_missing(cloud: MemoryCloud) -> None:
    (status,) = MemoryProvider(cloud=cloud).status(["i-nope"])
    assert status.state == JobState.MISSING and "i-nope" in (status.message or "")


@pytest.mark.parametrize("walltime", ["1h", "01:xx:00", "1:2:3:4", "-1"])
def test_malformed_walltime_is_named(cloud: MemoryCloud, walltime: str) -> None:
    with pytest.raises(ConfigurationError, match=f"walltime={walltime!r}"):
        MemoryProvider(cloud=cloud, walltime=walltime)


def test_corrupt_state_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("{not json")
    with pytest.raises(ConfigurationError, match=str(path)):
        StateFile(str(path)).read()


def test_cancelled_instance_the_cloud_forgot_is_cancelled(cloud: MemoryCloud) -> None:
    provider = MemoryProvider(cloud=cloud)
    job = provider.submit("sleep 600", 1)
    assert provider.cancel([job]) == [True]
    del cloud.instances[job]
    assert provider.status([job])[0].state == JobState.CANCELLED


@settings
class StoppingProvider(MemoryProvider):
    """A cloud that keeps a shut-down machine as ``stopped`` (like Azure's VMs or Nova's servers)."""

    state_table: ClassVar[Mapping[str, JobState]] = {**MemoryProvider.state_table, "stopped": JobState.COMPLETED}
    shutdown_states: ClassVar[frozenset[str]] = frozenset({"stopped"})


@pytest.mark.parametrize("linger", [False, True])
def test_an_instance_that_shut_itself_down_is_terminated_when_polled_unless_linger(cloud: MemoryCloud,
                                                                                   linger: bool) -> None:
    provider = StoppingProvider(cloud=cloud, linger=linger)
    job = provider.submit("true", 1)
    cloud.instances[job]["state"] = "stopped"
    assert provider.status([job])[0].state == JobState.COMPLETED
    assert cloud.instances[job]["state"] == ("stopped" if linger else "terminated")
    cloud.instances.pop(job)  # the cloud forgets a terminated instance
    assert provider.status([job])[0].state == (JobState.MISSING if linger else JobState.COMPLETED)
