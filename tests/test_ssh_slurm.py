"""SlurmProvider with an SSHChannel: sbatch, squeue and scancel run on a "login node" reached over SSH.

The login node is a real sshd of our own on loopback (the Slurm controller of
``.ci/services/slurm.sh start`` listens on loopback only); its log proves each scheduler command
arrived through SSH. The whole provider conformance suite runs through the channel. Fails, not
skips, without Slurm.
"""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import tempfile
from pathlib import Path
from typing import Iterator, NamedTuple, Sequence

import pytest

import parsl
from parsl import python_app
from parsl.config import Config
from parsl.data_provider.files import File
from parsl.executors.threads import ThreadPoolExecutor
from parsl.jobs.states import JobState
from parsl.providers import AdHocProvider
from parsl.providers.errors import SubmitException
from parsl.testing.providers import ClusterProviderConformance, require_service, wait_terminal
from parsl.testing.sites import sites, start_sshd
from parsl_channel_ssh import SSHChannel
from parsl_executor_htex.executor import HighThroughputExecutor
from parsl_provider_slurm.slurm import SlurmProvider
from parsl_staging_rsync import RSyncSiteStaging


class Login(NamedTuple):
    port: int
    host_key: str
    key_filename: str
    sshd_log: str


@pytest.fixture(scope="module")
def login() -> Iterator[Login]:
    require_service("scontrol ping | grep -q UP", "Slurm", "Start it with `sudo .ci/services/slurm.sh start`.")
    with tempfile.TemporaryDirectory(prefix="parsl-login-") as state:
        key = os.path.join(state, "id_ed25519")
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc, host_key, log = start_sshd(state, "127.0.0.1", port, None, key + ".pub")
        try:
            yield Login(port, host_key, key, log)
        finally:
            proc.kill()
            proc.wait()


def slurm_over_ssh(login: Login, tmp_path: Path, **kwargs: object) -> SlurmProvider:
    channel = SSHChannel("127.0.0.1", username="root", port=login.port, key_filename=login.key_filename,
                         host_key=login.host_key, script_dir=str(tmp_path / "remote scripts"))
    options = {"exclusive": False, "walltime": "00:05:00", "cmd_timeout": 30, **kwargs}
    provider = SlurmProvider(channel=channel, **options)  # type: ignore[arg-type]
    provider.script_dir = str(tmp_path / "local")
    return provider


class TestSlurmOverSSHConformance(ClusterProviderConformance):
    cancel_behind_our_back = "scancel {job_id}"

    @pytest.fixture
    def provider(self, login: Login, tmp_path: Path) -> Iterator[SlurmProvider]:
        provider = slurm_over_ssh(login, tmp_path)
        yield provider
        provider.channel.close()

    @pytest.fixture
    def bad_submit(self, login: Login, tmp_path: Path) -> tuple[SlurmProvider, str]:
        return slurm_over_ssh(login, tmp_path, partition="no-such-partition"), "invalid partition"


def test_scheduler_commands_and_the_script_go_through_ssh(login: Login, tmp_path: Path) -> None:
    provider = slurm_over_ssh(login, tmp_path)
    before = Path(login.sshd_log).read_text().count("Starting session: command")
    job_id = provider.submit("echo via-ssh", 1, "parsl.ssh")
    status = wait_terminal(provider, job_id, 120)
    provider.channel.close()
    assert status.state == JobState.COMPLETED, status
    assert "via-ssh" in (status.stdout_summary or "")
    remote = tmp_path / "remote scripts"
    assert [p.suffix for p in remote.iterdir() if p.name.startswith("parsl.ssh")].count(".submit") == 1
    # the output was fetched through the channel next to the local copy of the script
    assert status.stdout_path and status.stdout_path.startswith(str(tmp_path / "local")), status.stdout_path
    assert any(p.suffix == ".stdout" for p in remote.iterdir())
    # the script dir, the push, sbatch and at least one squeue: each a session on the login sshd
    assert Path(login.sshd_log).read_text().count("Starting session: command") - before >= 4


def test_a_login_node_without_sbatch_names_host_and_command(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"  # the login node's PATH: the basic tools, no Slurm
    bin_dir.mkdir()
    for tool in ("mkdir", "cat", "chmod", "dirname"):
        (bin_dir / tool).symlink_to(f"/usr/bin/{tool}")
    with sites(["login"]) as topology:
        node = topology["login"]
        channel = SSHChannel(node.address, username="root", key_filename=topology.key_filename,
                             host_key=node.host_key, envs={"PATH": str(bin_dir)})
        provider = SlurmProvider(channel=channel, cmd_timeout=30)
        provider.script_dir = str(tmp_path / "local")
        try:
            with pytest.raises(SubmitException) as info:
                provider.submit("true", 1, "parsl.nosbatch")
        finally:
            channel.close()
    message = str(info.value)
    assert "sbatch" in message and node.address in message, message
    assert "not found" in (info.value.stderr or ""), info.value.stderr


def site() -> tuple[str, str]:
    """Where a task ran: the host's IPv4 addresses and the Slurm job, if any."""
    import os
    import subprocess

    addresses = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True).stdout
    return addresses, os.environ.get("SLURM_JOB_ID", "")


def make(text: str, outputs: Sequence[File] = ()) -> None:
    with open(outputs[0], "w") as f:
        f.write(text)


def read(inputs: Sequence[File] = ()) -> str:
    with open(inputs[0]) as f:
        return f.read()


def test_three_sites_in_one_script(login: Login, tmp_path: Path) -> None:
    """HTEX on Slurm over SSH, HTEX on a firewalled ad-hoc host over SSH, and local threads;
    files made on one site are read on the others (RSyncSiteStaging on every site)."""
    # workers import this module: the apps are pickled by reference
    worker_init = f"export PYTHONPATH={shlex.quote(str(Path(__file__).parent))}:$PYTHONPATH"
    with sites(["compute1"], isolated=["compute1"]) as topology:
        node = topology["compute1"]
        adhoc_channel = SSHChannel(node.address, username="root", key_filename=topology.key_filename,
                                   host_key=node.host_key)
        slurm = slurm_over_ssh(login, tmp_path, worker_init=worker_init)
        staging = {name: [RSyncSiteStaging(root=str(tmp_path / f"{name}-data"))]
                   for name in ("cluster", "adhoc", "laptop")}
        executors = [
            HighThroughputExecutor(label="cluster", provider=slurm, max_workers_per_node=1,
                                   storage_access=staging["cluster"]),
            HighThroughputExecutor(label="adhoc", address=topology.submit_address, max_workers_per_node=1,
                                   provider=AdHocProvider(channels=[adhoc_channel], worker_init=worker_init),
                                   storage_access=staging["adhoc"]),
            ThreadPoolExecutor(label="laptop", max_threads=2, storage_access=staging["laptop"]),
        ]
        dfk = parsl.load(Config(executors=executors, run_dir=str(tmp_path / "runinfo"), strategy="none"))
        try:
            directed = {label: python_app(site, executors=[label])().result(timeout=180)
                        for label in ("cluster", "adhoc", "laptop")}
            anywhere = python_app(site)
            spread = [f.result(timeout=180) for f in [anywhere() for _ in range(30)]]
            on_cluster = python_app(make, executors=["cluster"])("from the cluster",
                                                                 outputs=[File(str(tmp_path / "c.txt"))])
            on_adhoc = python_app(make, executors=["adhoc"])("from the ad-hoc host",
                                                             outputs=[File(str(tmp_path / "a.txt"))])
            read_on = {label: python_app(read, executors=[label]) for label in ("cluster", "adhoc", "laptop")}
            texts = [read_on["adhoc"](inputs=[on_cluster.outputs[0]]).result(timeout=180),
                     read_on["laptop"](inputs=[on_cluster.outputs[0]]).result(timeout=180),
                     read_on["cluster"](inputs=[on_adhoc.outputs[0]]).result(timeout=180)]
            routes = {(t.source, t.dest, t.route) for t in dfk.data_manager.transfers if t.route != "collect"}
        finally:
            dfk.cleanup()
            adhoc_channel.close()
            slurm.channel.close()
    assert directed["cluster"][1] != "" and node.address not in directed["cluster"][0]
    assert node.address in directed["adhoc"][0] and directed["adhoc"][1] == ""
    assert directed["laptop"][1] == "" and node.address not in directed["laptop"][0]
    kinds = {"adhoc" if node.address in out else "cluster" if job else "laptop" for out, job in spread}
    assert len(kinds) >= 2, kinds
    assert texts == ["from the cluster", "from the cluster", "from the ad-hoc host"]
    # the login node (loopback here) reaches the ad-hoc host; the ad-hoc host cannot reach it
    assert routes == {("cluster", "adhoc", "direct"), ("cluster", "laptop", "direct"),
                      ("adhoc", "cluster", "relay")}, routes
