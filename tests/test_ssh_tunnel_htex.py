"""HTEX blocks on two compute nodes that cannot open a connection to the submit side.

AdHocProvider starts a block on each node through an SSHChannel; the nodes' firewalls reject
every connection towards the submit side, so the worker pools' probe of the interchange's direct
addresses fails and they reach it through the reverse tunnel the executor opened on each
channel (``worker_tunnel="auto"``). Network namespaces and sshds of ``parsl.testing.sites``.
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest

import parsl
from parsl import python_app
from parsl.channels.errors import TunnelError
from parsl.config import Config
from parsl.errors import ConfigurationError
from parsl.providers import AdHocProvider
from parsl.testing.sites import Sites, sites
from parsl_channel_ssh import SSHChannel
from parsl_executor_htex.executor import HighThroughputExecutor


@python_app
def where() -> str:
    import subprocess

    return subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True).stdout


def channel(topology: Sites, name: str) -> SSHChannel:
    node = topology[name]
    return SSHChannel(node.address, username="root", key_filename=topology.key_filename, host_key=node.host_key)


def test_workers_behind_a_firewall_reach_the_interchange_through_the_tunnel(tmp_path: Path) -> None:
    with sites(["compute1", "compute2"], isolated=["compute1", "compute2"]) as topology:
        probe = ["python3", "-c", "import socket,sys; socket.create_connection((sys.argv[1], 22), 5)",
                 topology.submit_address]
        with pytest.raises(subprocess.CalledProcessError):  # no direct way back
            topology["compute1"].run(probe)
        # workers import this module: the apps are pickled by reference
        worker_init = f"export PYTHONPATH={shlex.quote(str(Path(__file__).parent))}:$PYTHONPATH"
        channels = [channel(topology, "compute1"), channel(topology, "compute2")]
        htex = HighThroughputExecutor(label="behind_firewall", address=topology.submit_address,
                                      max_workers_per_node=1, address_probe_timeout=5, encrypted=True,
                                      provider=AdHocProvider(channels=channels, worker_init=worker_init))
        dfk = parsl.load(Config(executors=[htex], run_dir=str(tmp_path / "runinfo"), strategy="none"))
        try:
            outputs = [f.result(timeout=120) for f in [where() for _ in range(20)]]
        finally:
            dfk.cleanup()
            for c in channels:
                c.close()
    seen = {name for name in ("compute1", "compute2") for out in outputs if topology[name].address in out}
    assert seen == {"compute1", "compute2"}, outputs


def test_worker_tunnel_true_needs_a_channel_that_forwards(tmp_path: Path) -> None:
    htex = HighThroughputExecutor(label="no_tunnel", worker_tunnel=True)
    with pytest.raises(ConfigurationError, match="worker_tunnel=True"):
        parsl.load(Config(executors=[htex], run_dir=str(tmp_path / "runinfo")))


def test_a_required_tunnel_whose_port_is_in_use_names_host_and_port(tmp_path: Path) -> None:
    with sites(["compute1"], isolated=["compute1"]) as topology:
        node = topology["compute1"]
        listen = ("import socket; s = socket.create_server(('127.0.0.1', 0)); "
                  "print(s.getsockname()[1], flush=True); s.accept()")
        holder = node.popen(["python3", "-c", listen], stdout=subprocess.PIPE, text=True)
        busy = channel(topology, "compute1")
        try:
            port = int(holder.stdout.readline())  # type: ignore[union-attr]
            htex = HighThroughputExecutor(label="busy_port", address=topology.submit_address, worker_port=port,
                                          worker_tunnel=True, provider=AdHocProvider(channels=[busy]))
            with pytest.raises(TunnelError) as info:
                parsl.load(Config(executors=[htex], run_dir=str(tmp_path / "runinfo"), strategy="none"))
            interchange = htex._client.proc
        finally:
            parsl.clear()
            busy.close()
            holder.kill()
            holder.wait()
    assert node.address in str(info.value) and str(port) in str(info.value), info.value
    assert interchange is not None and interchange.poll() is not None  # it did not outlive the failed start
