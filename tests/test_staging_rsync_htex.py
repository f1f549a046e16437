"""rsync staging with the HighThroughputExecutor on a worker without a shared file system.

The worker pool runs in its own mount namespace in which the submit side's data directory is
covered by an empty tmpfs: the only way a task can see its input is rsync over SSH to the real
sshd of ``.ci/services/sshd.sh`` (``ci-localhost``), and the only way its output reaches the
submit side is rsync back. Each staged file lives in a per-task sandbox under the worker's
``working_dir`` and is removed afterwards.
"""

from __future__ import annotations

import os
import stat
import subprocess

import pytest

import parsl
from parsl import bash_app, python_app
from parsl.config import Config
from parsl.data_provider.files import File
from parsl.data_provider.staging_errors import StagingError
from parsl.launchers.launchers import WrappedLauncher
from parsl.providers import LocalProvider
from parsl_executor_htex import HighThroughputExecutor
from parsl_staging_rsync import RSyncStaging

HOST = "ci-localhost"


@pytest.fixture(scope="module", autouse=True)
def sshd() -> None:
    probe = subprocess.run(["ssh", "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", HOST, "rsync", "--version"],
                           capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
    if probe.returncode != 0:
        pytest.fail(f"needs the sshd of .ci/services/sshd.sh (ssh {HOST}: {probe.stderr.strip()})", pytrace=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Directories, the namespace wrapper hiding ``data``, an ssh that counts connections, and a DFK."""
    root = tmp_path_factory.mktemp("rsync-htex")
    data, worker, bin_dir = root / "data", root / "worker-node", root / "bin"
    for d in (data, worker, bin_dir):
        d.mkdir()
    hide = bin_dir / "no-shared-fs"
    hide.write_text(f'#!/bin/sh\nmount -t tmpfs -o size=1m parsl-hidden {data} || exit 97\nexec "$@"\n')
    ssh_log = root / "ssh.log"
    counting_ssh = bin_dir / "counting-ssh"
    counting_ssh.write_text(f'#!/bin/sh\necho "$@" >> {ssh_log}\nexec ssh "$@"\n')
    for script in (hide, counting_ssh):
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    launcher = WrappedLauncher(prepend=f"unshare --mount --propagation private -- {hide}")
    executor = HighThroughputExecutor(
        label="htex", working_dir=str(worker), max_workers_per_node=2, encrypted=False,
        storage_access=[RSyncStaging(HOST, ssh_command=str(counting_ssh), cache_dir=str(worker / ".cache"))],
        provider=LocalProvider(init_blocks=1, min_blocks=1, max_blocks=1, launcher=launcher,
                               # the apps of this module are pickled by reference: workers import it
                               worker_init=f"export PYTHONPATH={os.path.dirname(__file__)}:$PYTHONPATH"))
    dfk = parsl.load(Config(executors=[executor], run_dir=str(root / "runinfo"), strategy="none"))
    try:
        yield SimpleSite(data=data, worker=worker, ssh_calls=lambda: len(ssh_log.read_text().splitlines())
                         if ssh_log.exists() else 0)
    finally:
        dfk.cleanup()


class SimpleSite:
    def __init__(self, **kw):
        self.__dict__.update(kw)


@python_app
def shout(inputs=(), outputs=()):
    import os

    src = inputs[0]
    visible = os.path.exists(src.url)                 # the submit side's path, if it were shared
    with open(src) as f, open(outputs[0], "w") as out:
        out.write(f.read().upper())
    return {"input_at": src.filepath, "output_at": outputs[0].filepath, "saw_submit_side": visible}


@bash_app
def sort_lines(inputs=(), outputs=()):
    return f"sort {inputs[0]} > {outputs[0]}"


def sandbox_leftovers(worker) -> list[str]:
    return sorted(name for name in os.listdir(worker) if name.startswith("parsl-sandbox-"))


def test_files_moved_in_and_out_of_a_sandbox_without_shared_fs(site):
    (site.data / "words.txt").write_text("no shared file system\n")
    result = shout(inputs=[File(str(site.data / "words.txt"))], outputs=[File(str(site.data / "LOUD.txt"))])
    info = result.result(timeout=120)
    assert info["saw_submit_side"] is False
    assert info["input_at"].startswith(str(site.worker)) and "parsl-sandbox-" in info["input_at"]
    assert (site.data / "LOUD.txt").read_text() == "NO SHARED FILE SYSTEM\n"
    assert sandbox_leftovers(site.worker) == []


def test_bash_app_with_rsync_staging(site):
    (site.data / "names.txt").write_text("carol\nalice\nbob\n")
    fut = sort_lines(inputs=[File(str(site.data / "names.txt"))], outputs=[File(str(site.data / "sorted.txt"))])
    assert fut.result(timeout=120) == 0
    assert (site.data / "sorted.txt").read_text() == "alice\nbob\ncarol\n"


def test_same_input_is_not_transferred_twice_to_the_node(site):
    (site.data / "reference.txt").write_text("shared reference data\n")
    ref = str(site.data / "reference.txt")
    first = shout(inputs=[File(ref)], outputs=[File(str(site.data / "r1.txt"))])
    first.result(timeout=120)
    before = site.ssh_calls()
    second = shout(inputs=[File(ref)], outputs=[File(str(site.data / "r2.txt"))])
    second.result(timeout=120)
    assert site.ssh_calls() == before + 1        # only the upload of r2.txt: the input came from the cache
    assert (site.data / "r2.txt").read_text() == "SHARED REFERENCE DATA\n"


def test_missing_input_fails_its_task_only(site):
    (site.data / "present.txt").write_text("here\n")
    missing = str(site.data / "absent.txt")
    bad = shout(inputs=[File(missing)], outputs=[File(str(site.data / "never.txt"))])
    good = shout(inputs=[File(str(site.data / "present.txt"))], outputs=[File(str(site.data / "PRESENT.txt"))])
    with pytest.raises(StagingError) as info:
        bad.result(timeout=120)
    assert str(info.value).startswith(f"staging in rsync://{HOST}{missing} failed: rsync exited with code 23")
    assert good.result(timeout=120)["saw_submit_side"] is False
    assert (site.data / "PRESENT.txt").read_text() == "HERE\n"
    assert not (site.data / "never.txt").exists()
    assert sandbox_leftovers(site.worker) == []
