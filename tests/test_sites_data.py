"""Data that follows the tasks between sites: HTEX on two firewalled SSH hosts and local threads.

Sites A and B are network namespaces with their own sshd (``parsl.testing.sites``), unable to
open connections to the submit side (their workers use the reverse tunnel). Each site has its
own data directory; ``RSyncSiteStaging`` moves files: A's output reaches B point to point
(B's sshd log shows the connection from A's address), a second consumer on B uses B's cache,
a copy between sites that cannot reach each other is relayed through the submit side, and a
site whose disk fills during stage-in fails that task, naming host and file, while the other
sites keep working. Every transfer is a row of the monitoring database.
"""

from __future__ import annotations

import hashlib
import os
import shlex
import sqlite3
import subprocess
import uuid
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest

import parsl
from parsl import python_app
from parsl.config import Config
from parsl.data_provider.files import File
from parsl.dataflow.dflow import DataFlowKernel
from parsl.executors.threads import ThreadPoolExecutor
from parsl.providers import AdHocProvider
from parsl.testing.sites import Sites, sites
from parsl_channel_ssh import SSHChannel
from parsl_executor_htex.executor import HighThroughputExecutor
from parsl_monitoring import MonitoringHub
from parsl_staging_rsync import RSyncSiteStaging

SMALL_DISK = "3m"


def write(size: int, seed: str, outputs: Any = ()) -> str:
    """Write ``size`` pseudo-random bytes to ``outputs[0]``; where the task ran."""
    import hashlib
    import subprocess

    block = hashlib.sha256(seed.encode()).digest() * 2048
    with open(outputs[0], "wb") as f:
        for _ in range(size // len(block)):
            f.write(block)
        f.write(block[:size % len(block)])
    return subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True).stdout


def digest(inputs: Any = ()) -> tuple:
    """The sha256 of ``inputs[0]``, its path, and where the task ran."""
    import hashlib
    import subprocess

    with open(inputs[0], "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    where = subprocess.run(["ip", "-o", "-4", "addr", "show"], capture_output=True, text=True).stdout
    return sha, inputs[0].filepath, where


def channel(topology: Sites, name: str) -> SSHChannel:
    node = topology[name]
    return SSHChannel(node.address, username="root", key_filename=topology.key_filename, host_key=node.host_key)


@pytest.fixture(scope="module")
def small_disk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A tiny tmpfs, mounted before the namespaces' sshds start so that they see it."""
    path = tmp_path_factory.mktemp("small-disk")
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SMALL_DISK}", "parsl-test-small", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.fixture(scope="module")
def workflow(tmp_path_factory: pytest.TempPathFactory, small_disk: Path) -> Iterator[Dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("sites-data")
    worker_init = f"export PYTHONPATH={shlex.quote(str(Path(__file__).parent))}:$PYTHONPATH"
    with sites(["A", "B"], isolated=["A", "B"]) as topology:
        channels = {name: channel(topology, name) for name in ("A", "B")}
        roots = {"A": str(tmp / "A-data"), "B": str(small_disk), "laptop": str(tmp / "laptop-data")}
        executors = [
            *(HighThroughputExecutor(label=name, address=topology.submit_address, max_workers_per_node=2,
                                     address_probe_timeout=5,
                                     provider=AdHocProvider(channels=[channels[name]], worker_init=worker_init),
                                     storage_access=[RSyncSiteStaging(root=roots[name])])
              for name in ("A", "B")),
            ThreadPoolExecutor(label="laptop", max_threads=2, storage_access=[RSyncSiteStaging(root=roots["laptop"])]),
        ]
        config = Config(executors=executors, run_dir=str(tmp / "runinfo"), strategy="none",
                        monitoring=MonitoringHub(resource_monitoring_enabled=False))
        dfk = parsl.load(config)
        try:
            yield {"dfk": dfk, "topology": topology, "tmp": tmp, "roots": roots}
        finally:
            dfk.cleanup()
            for c in channels.values():
                c.close()


def on(label: str, func: Any) -> Any:
    return python_app(func, executors=[label])


def expected(size: int, seed: str) -> str:
    block = hashlib.sha256(seed.encode()).digest() * 2048
    data = block * (size // len(block)) + block[:size % len(block)]
    return hashlib.sha256(data).hexdigest()


def test_a_file_made_on_one_site_reaches_the_others_verified_and_cached(workflow: Dict[str, Any]) -> None:
    dfk: DataFlowKernel = workflow["dfk"]
    topology: Sites = workflow["topology"]
    size, seed = 1_000_000, uuid.uuid4().hex
    out = File(str(workflow["tmp"] / "collected" / "made-on-A.bin"))
    made = on("A", write)(size, seed, outputs=[out])
    b_log_before = Path(topology["B"].sshd_log).read_text()
    first = on("B", digest)(inputs=[made.outputs[0]]).result(timeout=180)
    second = on("B", digest)(inputs=[made.outputs[0]]).result(timeout=180)
    laptop = on("laptop", digest)(inputs=[made.outputs[0]]).result(timeout=180)
    assert topology["A"].address in made.result()
    assert topology["B"].address in first[2] and topology["B"].address in second[2]
    assert first[0] == second[0] == laptop[0] == expected(size, seed)
    assert first[1] != second[1] and first[1].startswith(workflow["roots"]["B"])
    assert hashlib.sha256(Path(out.filepath).read_bytes()).hexdigest() == expected(size, seed)
    # point to point: B's sshd was connected to from A's address
    b_log = Path(topology["B"].sshd_log).read_text()[len(b_log_before):]
    assert f"from {topology['A'].address}" in b_log, b_log
    moves = [(t.source, t.dest, t.route, t.bytes) for t in dfk.data_manager.transfers if t.url == out.url]
    assert ("A", "submit", "collect", size) in moves
    assert ("A", "B", "direct", size) in moves and ("B", "B", "cached", 0) in moves
    assert moves.count(("A", "B", "direct", size)) == 1
    assert [m for m in moves if m[1] == "laptop"] == [("A", "laptop", "direct", size)]


def test_sites_that_cannot_reach_each_other_go_through_the_submit_side(workflow: Dict[str, Any]) -> None:
    dfk: DataFlowKernel = workflow["dfk"]
    topology: Sites = workflow["topology"]
    rule = ["iptables", "OUTPUT", "-d", topology["B"].address, "-p", "tcp", "--dport", "22", "-j", "REJECT",
            "--reject-with", "tcp-reset"]
    topology["A"].run([rule[0], "-I", *rule[1:]])
    try:
        out = File(str(workflow["tmp"] / "collected" / "relayed.bin"))
        made = on("A", write)(200_000, "relay", outputs=[out])
        sha = on("B", digest)(inputs=[made.outputs[0]]).result(timeout=180)[0]
    finally:
        topology["A"].run([rule[0], "-D", *rule[1:]])
    assert sha == expected(200_000, "relay")
    routes = [(t.source, t.dest, t.route) for t in dfk.data_manager.transfers if t.url == out.url]
    assert ("A", "B", "relay") in routes


def test_a_site_out_of_disk_names_host_and_file_and_the_others_keep_working(workflow: Dict[str, Any]) -> None:
    topology: Sites = workflow["topology"]
    big = on("A", write)(5_000_000, "big", outputs=[File(str(workflow["tmp"] / "collected" / "big.bin"))])
    with pytest.raises(Exception) as info:
        on("B", digest)(inputs=[big.outputs[0]]).result(timeout=180)
    message = str(info.value)
    assert "No space left on device" in message and "big.bin" in message, message
    assert topology["B"].address in message, message
    assert not [p for p in os.listdir(os.path.join(workflow["roots"]["B"], "cache")) if ".partial-" in p]
    # the other sites work on, and so does B with what fits
    assert on("laptop", digest)(inputs=[big.outputs[0]]).result(timeout=180)[0] == expected(5_000_000, "big")
    small = on("A", write)(1000, "small", outputs=[File(str(workflow["tmp"] / "collected" / "small.bin"))])
    assert on("B", digest)(inputs=[small.outputs[0]]).result(timeout=180)[0] == expected(1000, "small")


def test_every_transfer_is_a_monitoring_row(workflow: Dict[str, Any]) -> None:
    dfk: DataFlowKernel = workflow["dfk"]
    on("laptop", digest)(inputs=[File(__file__)]).result(timeout=60)
    hub = dfk.monitoring
    hub.close()  # flush: the rows are written by then
    with sqlite3.connect(hub.url.removeprefix("sqlite:///")) as db:
        rows = db.execute("SELECT source_site, dest_site, route, bytes, seconds FROM transfer").fetchall()
    assert len(rows) == len(dfk.data_manager.transfers)
    assert ("submit", "laptop", "upload") in [r[:3] for r in rows]
    assert all(r[4] >= 0 for r in rows)
