"""Benchmark: one file moved between two SSH sites by RSyncSiteStaging, against a plain rsync.

    sudo python bench/bench_sites_transfer.py [--mb 100] [--rounds 3]

Builds the namespace topology of ``parsl.testing.sites`` (sites A and B, each its own sshd,
both firewalled from the submit side), runs a workflow with an HTEX executor on each, and per
round: a task on A writes an ``--mb`` MB file, a task on B reads it (so the data manager moves
it A -> B point to point, verifying its sha256 on B), then the same file is copied between the
same namespaces by a plain ``rsync -e ssh`` run in A. Bytes on the wire are B's received
bytes (``/proc/net/dev`` in B's namespace) during each copy. JSON lines, one per measurement:

  site_transfer   seconds of the data manager's transfer (copy + checksum on B + rename),
                  as its Transfer record says, and the wire bytes B received meanwhile
  plain_rsync     seconds and wire bytes of ``rsync`` of the same file, A to B
  ratio           median(site_transfer) / median(plain_rsync), for time and wire bytes
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, List

import parsl
from parsl import python_app
from parsl.config import Config
from parsl.data_provider.files import File
from parsl.providers import AdHocProvider
from parsl.testing.sites import Node, Sites, sites
from parsl_channel_ssh import SSHChannel
from parsl_executor_htex.executor import HighThroughputExecutor
from parsl_staging_rsync import RSyncSiteStaging


def emit(measure: str, **values: Any) -> None:
    print(json.dumps({"measure": measure, **values}), flush=True)


def write(size: int, seed: str, outputs: Any = ()) -> None:
    import os

    with open(outputs[0], "wb") as f:
        f.write(os.urandom(size))


def size_of(inputs: Any = ()) -> int:
    import os

    return os.path.getsize(inputs[0])


def rx_bytes(node: Node) -> int:
    """Bytes received on every interface of the node but loopback."""
    lines = node.run(["cat", "/proc/net/dev"]).stdout.splitlines()[2:]
    return sum(int(line.split(":", 1)[1].split()[0]) for line in lines if not line.strip().startswith("lo:"))


def plain_rsync(topology: Sites, source: str, dest: str) -> tuple[float, int]:
    a, b = topology["A"], topology["B"]
    with tempfile.NamedTemporaryFile("w", prefix="bench-known-hosts-") as known:
        known.write(f"{b.address} {b.host_key}\n")
        known.flush()
        shell = shlex.join(["ssh", "-i", topology.key_filename, "-o", "BatchMode=yes", "-o",
                            f"UserKnownHostsFile={known.name}", "-l", "root"])
        before, start = rx_bytes(b), time.monotonic()
        a.run(["rsync", "--quiet", "-e", shell, source, f"{b.address}:{dest}"])
        seconds = time.monotonic() - start
        moved = rx_bytes(b) - before
    b.run(["rm", "-f", dest])
    return seconds, moved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("bench_sites_transfer: needs root (network namespaces); skipped", file=sys.stderr)
        return 0
    size = args.mb * 1_000_000
    here = str(Path(__file__).parent)
    worker_init = f"export PYTHONPATH={shlex.quote(here)}:$PYTHONPATH"
    ours: List[tuple[float, int]] = []
    plain: List[tuple[float, int]] = []
    with tempfile.TemporaryDirectory(prefix="bench-sites-") as tmp, \
            sites(["A", "B"], isolated=["A", "B"]) as topology:
        channels = {n: SSHChannel(topology[n].address, username="root", key_filename=topology.key_filename,
                                  host_key=topology[n].host_key) for n in ("A", "B")}
        executors = [HighThroughputExecutor(label=n, address=topology.submit_address, max_workers_per_node=1,
                                            address_probe_timeout=5,
                                            provider=AdHocProvider(channels=[channels[n]], worker_init=worker_init),
                                            storage_access=[RSyncSiteStaging(root=f"{tmp}/{n}", collect=False,
                                                                             cache_size=4 * size)])
                     for n in ("A", "B")]
        dfk = parsl.load(Config(executors=executors, run_dir=f"{tmp}/runinfo", strategy="none"))
        try:
            make, read = python_app(write, executors=["A"]), python_app(size_of, executors=["B"])
            for i in range(args.rounds):
                made = make(size, str(i), outputs=[File(f"{tmp}/out/file-{i}.bin")])
                made.result(timeout=600)
                before = rx_bytes(topology["B"])
                assert read(inputs=[made.outputs[0]]).result(timeout=600) == size
                moved = rx_bytes(topology["B"]) - before
                record = [t for t in dfk.data_manager.transfers if t.url == made.outputs[0].file_obj.url
                          and t.dest == "B"][-1]
                assert record.route == "direct" and record.bytes == size, record
                ours.append((record.seconds, moved))
                emit("site_transfer", round=i, file_bytes=record.bytes, seconds=round(record.seconds, 3),
                     wire_bytes=moved, route=record.route)
                source = dfk.data_manager.replicas.get(made.outputs[0].file_obj.url, "A")
                assert source is not None
                seconds, wire = plain_rsync(topology, source.path, f"{tmp}/plain-{i}.bin")
                plain.append((seconds, wire))
                emit("plain_rsync", round=i, file_bytes=size, seconds=round(seconds, 3), wire_bytes=wire)
        finally:
            dfk.cleanup()
            for c in channels.values():
                c.close()
    t_ours, t_plain = statistics.median(s for s, _ in ours), statistics.median(s for s, _ in plain)
    w_ours, w_plain = statistics.median(w for _, w in ours), statistics.median(w for _, w in plain)
    emit("ratio", file_mb=args.mb, rounds=args.rounds, time_ratio=round(t_ours / t_plain, 3),
         wire_ratio=round(w_ours / w_plain, 4), site_transfer_s=round(t_ours, 3), plain_rsync_s=round(t_plain, 3))
    return 0


if __name__ == "__main__":
    sys.exit(main())
