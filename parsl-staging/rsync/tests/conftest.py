"""The real sshd these tests need: `.ci/services/sshd.sh start`, reachable as ci-localhost."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
from types import SimpleNamespace

import pytest

HOST = "ci-localhost"
STATE = os.environ.get("SSHD_CI_DIR", "/var/lib/ci-sshd")


@pytest.fixture(scope="session", autouse=True)
def sshd() -> None:
    probe = subprocess.run(["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", HOST, "rsync", "--version"],
                           capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
    if probe.returncode != 0:
        pytest.fail(f"these tests need the sshd of .ci/services/sshd.sh (ssh {HOST} failed: "
                    f"{probe.stderr.strip()}); run: bash .ci/services/sshd.sh start", pytrace=False)


@pytest.fixture
def remote(tmp_path):
    """A directory 'on the remote host' (the same machine, reached only through sshd)."""
    d = tmp_path / "remote"
    d.mkdir()
    return d


@pytest.fixture
def worker_dm(tmp_path) -> SimpleNamespace:
    """What a staging provider reads from the DataManager; the worker's working_dir."""
    executor = SimpleNamespace(working_dir=str(tmp_path / "worker"))
    return SimpleNamespace(dfk=SimpleNamespace(executors={"ex": executor}))


@pytest.fixture
def counting_ssh(tmp_path) -> SimpleNamespace:
    """An ssh_command that records each connection rsync makes, then runs the real ssh."""
    log = tmp_path / "ssh-calls.log"
    script = tmp_path / "counting-ssh"
    script.write_text(f'#!/bin/sh\necho "$@" >> {log}\nexec ssh "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return SimpleNamespace(command=str(script), calls=lambda: len(log.read_text().splitlines()) if log.exists() else 0)


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
