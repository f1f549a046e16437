"""One real Ray for the whole session, inside a private network namespace.

Ray listens on every interface whatever it is told, so before anything starts this test process
moves into a network namespace of its own (``unshare(CLONE_NEWNET)``, as root) with only ``lo``
up: Ray's ports are unreachable from outside and the tests reach nothing outside. Ray's
temporary files go under pytest's temporary folder; token authentication is off, so no token
file is written in the home folder, and everything Ray left is removed at the end. The agents'
registration timeout is raised (on a loaded machine they take longer than Ray's default to
start); Ray's own 30 s wait for the node to register with its GCS is fixed in its code, and a
machine too loaded to meet it fails the session at ``ray.init``.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import tempfile
from typing import Iterator

import pytest

CLONE_NEWNET = 0x40000000
RAY_ENV = {"RAY_AUTH_MODE": "disabled", "RAY_enable_metrics_collection": "0", "RAY_USAGE_STATS_ENABLED": "0",
           "RAY_agent_register_timeout_ms": "300000"}


def pytest_configure(config: pytest.Config) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        raise pytest.UsageError(f"the Ray tests need a private network namespace (run as root): "
                                f"unshare(CLONE_NEWNET) failed: {os.strerror(ctypes.get_errno())}")
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    os.environ.update(RAY_ENV)


@pytest.fixture(scope="session")
def ray_session() -> Iterator[str]:
    """A local Ray with 2 CPUs and a custom resource ``special: 1``, shut down and cleaned up afterwards."""
    import ray

    temp_dir = tempfile.mkdtemp(prefix="ray-", dir="/tmp")  # Ray's socket paths must stay short
    ray_home = os.path.expanduser("~/.ray")
    home_existed = os.path.exists(ray_home)
    try:
        ray.init(num_cpus=2, resources={"special": 1}, include_dashboard=False, _temp_dir=temp_dir,
                 _node_ip_address="127.0.0.1")
        yield temp_dir
    finally:
        ray.shutdown()
        shutil.rmtree(temp_dir, ignore_errors=True)
        if not home_existed:
            shutil.rmtree(ray_home, ignore_errors=True)
