"""Tests marked ``slurm`` need the single-node cluster of ``.ci/services/slurm.sh start``; the
``private_slurm`` fixture starts a cluster of two fake nodes of its own with the same script.

A job that only waits on Slurm's clock (``walltime_job``) is submitted before the first test, so
that its minutes of waiting overlap the other tests instead of adding to them."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from parsl.testing.processes import wait_until_gone
from parsl.testing.providers import LONG_COMMAND, require_service
from parsl_provider_slurm.slurm import SlurmProvider

SLURM_SH = Path(__file__).resolve().parents[3] / ".ci" / "services" / "slurm.sh"


def _require_slurm() -> None:
    require_service("scontrol ping | grep -q UP && sinfo -h -o %t | grep -qvE '^(down|drain|fail|unk)'", "Slurm",
                    "Start it with `sudo .ci/services/slurm.sh start`, or deselect with -m 'not slurm'.")


@pytest.fixture(autouse=True)
def _slurm_running(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("slurm"):
        _require_slurm()


@pytest.fixture(scope="session")
def walltime_job(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SlurmProvider, str]]:
    """A job that outlives its walltime of one minute (Slurm's least): Slurm ends it 1-2 minutes
    after it starts. Cancelled at the end of the session if it is still there."""
    _require_slurm()
    provider = SlurmProvider(exclusive=False, walltime="00:01:00", cmd_timeout=30)
    provider.script_dir = str(tmp_path_factory.mktemp("walltime"))
    job_id = provider.submit(LONG_COMMAND, 1, "parsl.walltime")
    yield provider, job_id
    if not provider.status([job_id])[0].terminal:
        provider.cancel([job_id])


@pytest.fixture(scope="session", autouse=True)
def _long_waits_start_first(request: pytest.FixtureRequest) -> None:
    """Start ``walltime_job`` before the first test when a selected test uses it."""
    if any("walltime_job" in getattr(item, "fixturenames", ()) for item in request.session.items):
        try:
            request.getfixturevalue("walltime_job")
        except (Exception, pytest.fail.Exception):
            pass  # pytest keeps the error: the test that uses the fixture reports it


class PrivateSlurm:
    """A Slurm cluster of our own (``slurm.sh`` with a private config, state and ports): tests may
    restart or stop its controller, and fake nodes give blocks of several nodes on one host."""

    def __init__(self, nodes: int) -> None:
        self.state = Path(tempfile.mkdtemp(prefix="parsl-slurm-"))
        self.state.chmod(0o755)  # the slurm user writes its controller state in here
        self.conf = self.state / "slurm.conf"
        self.env = {**os.environ, "SLURM_CONF": str(self.conf), "SLURM_CI_DIR": str(self.state),
                    "SLURM_CI_PORT": str(_free_ports(nodes + 2)), "SLURM_CI_NODES": str(nodes),
                    "SLURM_CI_MPI": "pmi2"}
        self.nodes = [f"n{i}" for i in range(1, nodes + 1)]

    def service(self, verb: str) -> None:
        done = subprocess.run(["bash", str(SLURM_SH), verb], env=self.env, capture_output=True, text=True,
                              timeout=300, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"slurm.sh {verb} for the private cluster failed: {done.stdout}{done.stderr}")

    def controller_pid(self) -> int:
        return int((self.state / "slurmctld.pid").read_text())

    def stop_controller(self) -> None:
        """Stop slurmctld as an admin's restart does (SIGTERM: it saves its state first)."""
        pid = self.controller_pid()
        os.kill(pid, signal.SIGTERM)
        assert wait_until_gone([pid], 120) == [], f"slurmctld {pid} did not stop within 120 s"


def _free_ports(count: int) -> int:
    """The first of ``count`` consecutive TCP ports on 127.0.0.1 that nothing listens on."""
    for _ in range(100):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + count < 65536 and all(_port_free(base + i) for i in range(count)):
            return base
    raise RuntimeError(f"no {count} consecutive free ports on 127.0.0.1")


def _port_free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture(scope="session")
def _private_cluster() -> Iterator[PrivateSlurm]:
    require_service("command -v slurmctld && munge -n | unmunge", "Slurm and munge",
                    "Start the CI service once with `sudo .ci/services/slurm.sh start` (it installs both).")
    cluster = PrivateSlurm(nodes=2)
    try:
        cluster.service("start")
        yield cluster
    finally:
        cluster.service("stop")
        shutil.rmtree(cluster.state, ignore_errors=True)


@pytest.fixture
def private_slurm(_private_cluster: PrivateSlurm, monkeypatch: pytest.MonkeyPatch) -> PrivateSlurm:
    """The private two-node cluster, which Slurm's commands (and the jobs, which inherit it) talk to."""
    monkeypatch.setenv("SLURM_CONF", str(_private_cluster.conf))
    return _private_cluster
