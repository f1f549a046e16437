"""End-to-end runs of a workflow on emulated cloud instances, shared by the cloud plugins' tests.

The TOML config names ``htex`` and the cloud's provider by string; the HTEX workers started by
each instance's start-up script (run by ``StartupRunner``) connect back over 127.0.0.1. Each task
reports the instance it ran on once tasks on every instance have checked in, so a run proves that
all instances took work at the same time.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import NamedTuple, Set

import parsl
from parsl.configfile.loader import load_config_file
from parsl.testing.processes import wait_for
from parsl.testing.startup import StartupRunner


def htex_toml(run_dir: Path, provider: str) -> str:
    """A config file's text: one HTEX (one worker per node, on 127.0.0.1) over the ``provider``
    table's lines; ``worker_init`` is set so instances find this Python's worker pool."""
    return (f'run_dir = "{run_dir}"\n\n[[executors]]\ntype = "htex"\nlabel = "cloud"\naddress = "127.0.0.1"\n'
            f'max_workers_per_node = 1\n\n[executors.provider]\n{provider.strip()}\n'
            f'worker_init = "export PATH={Path(sys.executable).parent}:$PATH"\n')


def _check_in(rendezvous: str, expected: int) -> str:
    me = os.environ["PARSL_TEST_INSTANCE_ID"]
    open(os.path.join(rendezvous, me), "w").close()
    deadline = time.monotonic() + 120
    while len(os.listdir(rendezvous)) < expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return me


check_in = parsl.python_app(_check_in)


class CloudRun(NamedTuple):
    """What a run saw: the instances tasks ran on, and seconds from ``parsl.load`` to the first
    result and to the moment every instance's processes were gone after cleanup."""

    instances: Set[str]
    first_result: float
    all_removed: float


def run_on_instances(config_file: Path, runner: StartupRunner, instances: int, timeout: float = 300) -> CloudRun:
    """Load ``config_file``, run one task per instance, clean up, and wait for the runner to remove them."""
    rendezvous = config_file.parent / "rendezvous"
    rendezvous.mkdir()
    started = time.monotonic()
    dfk = parsl.load(load_config_file(config_file))
    try:
        futures = [check_in(str(rendezvous), instances) for _ in range(instances)]
        hosts = {futures[0].result(timeout=timeout)}
        first_result = time.monotonic() - started
        hosts |= {f.result(timeout=timeout) for f in futures[1:]}
    finally:
        dfk.cleanup()
    wait_for(lambda: set(runner.removed) == set(runner.started) and not runner.processes, timeout,
             f"every started instance to be removed (started {runner.started})")
    return CloudRun(hosts, first_result, time.monotonic() - started)
