"""Network partitions, for real: a worker pool in its own network namespace, its link cut by dropping packets.

Each test makes a namespace and a veth pair with a random /30 from 10.213.0.0/16 that exists only
between the two ends it makes (the host end in this namespace, the other inside the new one),
runs one block's worker pool inside it, and cuts the link with iptables DROP rules inside the
namespace. Needs root, ``ip`` and ``iptables`` (``.ci/services/netns.sh start`` installs them);
everything made is removed even when the test fails.
"""

from __future__ import annotations

import glob
import os
import random
import re
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from typing import Any, Iterator

import pytest
from conftest import marked_processes, pool_processes

from parsl import python_app
from parsl.executors.errors import BadStateException
from parsl.testing.processes import wait_for
from parsl_executor_htex.errors import ManagerLost
from parsl_executor_htex.executor import DEFAULT_LAUNCH_CMD

HEARTBEAT = {"heartbeat_period": 0.5, "heartbeat_threshold": 3}


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


@dataclass
class Namespace:
    """A network namespace joined to this one by a veth pair; ``cut``/``heal`` its link."""

    name: str
    host_ip: str
    ns_ip: str
    blocks_dir: str

    def run_block_inside(self, block_id: str) -> None:
        """Start block ``block_id``'s worker pool inside the namespace (see ``launch_cmd``)."""
        open(os.path.join(self.blocks_dir, block_id), "w").close()

    def launch_cmd(self, template: str = DEFAULT_LAUNCH_CMD) -> str:
        """An HTEX launch command that runs the pools of chosen blocks inside the namespace."""
        wrap = os.path.join(self.blocks_dir, "..", "wrap.sh")
        with open(wrap, "w") as f:
            f.write(f'b=$1; shift\nif [ -e "{self.blocks_dir}/$b" ]; then exec ip netns exec {self.name} "$@"; fi\n'
                    'exec "$@"\n')
        return f"sh {wrap} {{{{block_id}}}} " + template

    def _iptables(self, verb: str) -> None:
        for chain in ("INPUT", "OUTPUT"):
            subprocess.run(["ip", "netns", "exec", self.name, "iptables", verb, chain, "-j", "DROP"],
                           check=True, capture_output=True)

    def cut(self) -> None:
        """Drop every packet in and out of the namespace: the pool hears nothing and gets no answer."""
        self._iptables("-I")

    def heal(self) -> None:
        self._iptables("-D")


def _free_subnet() -> tuple[str, str]:
    """Host and namespace addresses of a random /30 in 10.213.0.0/16 that this host does not use."""
    used = subprocess.run(["ip", "-4", "addr"], check=True, capture_output=True, text=True).stdout
    while True:
        third, fourth = random.randrange(256), random.randrange(0, 256, 4)
        prefix = f"10.213.{third}."
        if prefix not in used:
            return f"{prefix}{fourth + 1}", f"{prefix}{fourth + 2}"


@pytest.fixture
def netns(tmp_path: Any) -> Iterator[Namespace]:
    missing = [tool for tool in ("ip", "iptables") if shutil.which(tool) is None]
    assert not missing, f"{', '.join(missing)} not found: run `.ci/services/netns.sh start` (as root) first"
    tag = uuid.uuid4().hex[:8]
    name, host_if, ns_if = f"parsl-{tag}", f"ph{tag}", f"pn{tag}"
    host_ip, ns_ip = _free_subnet()
    blocks_dir = tmp_path / "netns-blocks"
    blocks_dir.mkdir()
    try:
        ip("netns", "add", name)
        ip("link", "add", host_if, "type", "veth", "peer", "name", ns_if)
        ip("link", "set", ns_if, "netns", name)
        ip("addr", "add", f"{host_ip}/30", "dev", host_if)
        ip("link", "set", host_if, "up")
        ip("-n", name, "addr", "add", f"{ns_ip}/30", "dev", ns_if)
        ip("-n", name, "link", "set", ns_if, "up")
        ip("-n", name, "link", "set", "lo", "up")
        yield Namespace(name, host_ip, ns_ip, str(blocks_dir))
    finally:
        pids = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True).stdout.split()
        for pid in pids:
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
        subprocess.run(["ip", "link", "del", host_if], capture_output=True)
        subprocess.run(["ip", "netns", "del", name], capture_output=True)


@python_app
def hold_until_released(rendezvous: str, release: str) -> str:
    """Say which block took this try (a file in ``rendezvous``), wait for ``release``, return the block."""
    import os
    import time

    block = os.environ["PARSL_WORKER_BLOCK_ID"]
    open(os.path.join(rendezvous, f"try-on-block-{block}"), "w").close()
    deadline = time.monotonic() + 300
    while not os.path.exists(release) and time.monotonic() < deadline:
        time.sleep(0.05)
    return block


def _pool_in(ns: Namespace, mark: str) -> list[Any]:
    inside = set(subprocess.run(["ip", "netns", "pids", ns.name], capture_output=True, text=True).stdout.split())
    return [p for p in pool_processes(mark) if str(p.pid) in inside]


def test_partitioned_pool_loses_its_tasks_which_run_elsewhere_exactly_once(netns, load, mark, tmp_path) -> None:
    rendezvous, release = tmp_path / "tries", tmp_path / "release"
    rendezvous.mkdir()
    netns.run_block_inside("0")
    dfk = load(retries=1, strategy_period=0.2, polling_interval=0.2,
               executor_kwargs={"address": netns.host_ip, "launch_cmd": netns.launch_cmd(), **HEARTBEAT})
    ex = dfk.executors["htex"]
    future = hold_until_released(str(rendezvous), str(release))
    wait_for((rendezvous / "try-on-block-0").exists, 60, "the task to start in the namespace")
    assert _pool_in(netns, mark), "block 0's pool should run inside the namespace"
    netns.cut()
    cut_at = time.monotonic()
    wait_for((rendezvous / "try-on-block-1").exists, 60, "the retry to start on the replacement block")
    assert time.monotonic() - cut_at < HEARTBEAT["heartbeat_threshold"] + 30
    netns.heal()
    wait_for(lambda: not _pool_in(netns, mark), 30, "the cut-off pool to be ended")
    release.touch()
    assert future.result(timeout=60) == "1"
    record = future.task_record
    assert record["fail_count"] == 1
    (failure,) = record["fail_history"]
    assert failure.startswith("ManagerLost(") and "no heartbeat" in failure
    assert sorted(os.listdir(rendezvous)) == ["try-on-block-0", "try-on-block-1"]
    status = ex.status_facade["0"]
    assert "lost" in (status.message or "") and "no heartbeat" in (status.message or "")
    assert [m["block_id"] for m in ex.connected_managers()] == ["1"]
    assert not ex.bad_state_is_set


def test_a_pool_that_outlives_the_partition_is_told_to_stop_and_its_late_result_dropped(
        netns, start_htex, mark, tmp_path) -> None:
    from test_faults import sleep_then

    release = tmp_path / "release"
    netns.run_block_inside("0")
    # This pool waits far longer than the interchange before giving up on it: it is still
    # alive, with its task's result, when the link heals.
    patient = DEFAULT_LAUNCH_CMD.replace("--hb_threshold={heartbeat_threshold}", "--hb_threshold=600")
    ex = start_htex(address=netns.host_ip, launch_cmd=netns.launch_cmd(patient), max_workers_per_node=1, **HEARTBEAT)
    done = tmp_path / "done"
    future = ex.submit(_wait_for_file, {}, str(release), str(done))
    wait_for(lambda: ex.connected_managers() and ex.connected_managers()[0]["tasks"] == 1, 60, "the task to start")
    netns.cut()
    with pytest.raises(ManagerLost, match="no heartbeat"):
        future.result(timeout=60)
    release.touch()
    wait_for(done.exists, 60, "the task to finish behind the cut (its result waits in the pool's socket)")
    netns.heal()
    (log,) = glob.glob(os.path.join(ex.worker_logdir, "block-0", "*", "manager.log"))
    told = re.compile(r"asked this pool to stop: (missed heartbeats|unknown manager)")
    wait_for(lambda: told.search(open(log).read()), 60, "the interchange to tell the returning pool to stop")
    wait_for(lambda: not _pool_in(netns, mark), 30, "the returning pool to exit")
    assert future.exception(timeout=0).__class__ is ManagerLost  # not replaced by the late result
    assert ex.outstanding() == 0
    ex.scale_out_facade(1)  # a block outside the namespace carries on
    assert ex.submit(sleep_then, {}, 0, 5).result(timeout=60) == 5
    interchange_log = os.path.join(ex.logdir, "interchange.log")
    wait_for(lambda: "message b'R' from unknown manager" in open(interchange_log).read(), 30,
             "the late result to reach the interchange, which drops it")


def _wait_for_file(path: str, done: str = "") -> str:
    """Wait (at most 5 minutes) until ``path`` exists; then create ``done``, if given."""
    import os
    import time

    deadline = time.monotonic() + 300
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)
    if done:
        open(done, "w").close()
    return path


def test_shutdown_during_a_partition_returns_and_leaves_no_process(netns, start_htex, mark, tmp_path) -> None:
    netns.run_block_inside("0")
    ex = start_htex(address=netns.host_ip, launch_cmd=netns.launch_cmd(), **HEARTBEAT)
    futures = [ex.submit(_wait_for_file, {}, str(tmp_path / "never")) for _ in range(2)]
    wait_for(lambda: ex.connected_managers() and ex.connected_managers()[0]["tasks"] == 2, 60, "the tasks to start")
    netns.cut()
    started = time.monotonic()
    ex.shutdown()
    assert time.monotonic() - started < 30
    for f in futures:
        with pytest.raises(BadStateException, match="shut down"):
            f.result(timeout=5)
    wait_for(lambda: not marked_processes(mark), 30, "every block process to exit, inside the namespace too")
