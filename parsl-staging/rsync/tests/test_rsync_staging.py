"""RSyncStaging against a real sshd on 127.0.0.1, through the Staging protocol."""

from __future__ import annotations

import os

import pytest

from parsl.data_provider.files import File
from parsl.data_provider.staging_errors import StagingError
from parsl.plugins.manager import get_plugin_manager
from parsl_staging_rsync import RSyncStaging

from .conftest import HOST, STATE


def staged_task(provider, dm, inputs=(), outputs=(), body=None):
    """Do what the DataManager does with the files, wrap the app, and return the wrapper."""
    ins = [File(u) for u in inputs]
    outs = [File(u) for u in outputs]

    def app():
        return body(ins, outs) if body else None

    func = app
    for f in ins:
        assert provider.can_stage_in(f)
        assert provider.stage_in(dm, "ex", f, None) is None
        func = provider.replace_task(dm, "ex", f, func)
    for f in outs:
        assert provider.can_stage_out(f)
        assert provider.stage_out(dm, "ex", f, None) is None
        func = provider.replace_task_stage_out(dm, "ex", f, func)
    return func, ins, outs


def worker_files(dm) -> list[str]:
    root = dm.dfk.executors["ex"].working_dir
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs)


def test_registered_under_scheme_and_parsl_module_path():
    assert get_plugin_manager().find("stager", "rsync") is RSyncStaging
    assert get_plugin_manager().find("stager", "RSyncStaging") is RSyncStaging
    from parsl.data_provider.rsync import RSyncStaging as via_parsl_path

    assert via_parsl_path is RSyncStaging


def test_parsl_positional_hostname_and_schemes():
    p = RSyncStaging("login.example.org")
    assert p.hostname == "login.example.org"
    assert p.can_stage_in(File("/data/x")) and p.can_stage_out(File("file:///data/x"))
    assert p.can_stage_in(File("rsync://host/data/x"))
    assert not p.can_stage_in(File("https://host/x"))
    assert not RSyncStaging().can_stage_in(File("/data/x"))


def test_files_moved_in_and_out_through_a_sandbox(remote, worker_dm):
    (remote / "in.txt").write_text("banana\napple\n")
    seen = {}

    def body(ins, outs):
        seen["in"], seen["out"] = ins[0].filepath, outs[0].filepath
        with open(ins[0]) as src, open(outs[0], "w") as dst:
            dst.write("".join(sorted(src)))
        assert len(worker_files(worker_dm)) == 2               # the input and the new output
        return "sorted"

    func, _ins, _outs = staged_task(RSyncStaging(HOST, cache_size=0), worker_dm,
                                  inputs=[str(remote / "in.txt")], outputs=[str(remote / "out.txt")], body=body)
    assert func() == "sorted"
    assert (remote / "out.txt").read_text() == "apple\nbanana\n"
    assert os.path.basename(os.path.dirname(seen["in"])).startswith("parsl-sandbox-")
    assert os.path.dirname(seen["in"]) != os.path.dirname(seen["out"])
    assert worker_files(worker_dm) == []                       # moved out, sandboxes removed
    assert os.listdir(worker_dm.dfk.executors["ex"].working_dir) == []


def test_rsync_url_with_user_port_and_ssh_command(remote, worker_dm):
    (remote / "a.bin").write_bytes(os.urandom(10_000))
    ssh = f"ssh -i {STATE}/id_ed25519 -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"
    url = f"rsync://root@127.0.0.1:{os.environ.get('SSHD_CI_PORT', '2222')}{remote}/a.bin"

    def body(ins, outs):
        with open(ins[0], "rb") as f:
            return f.read()

    func, _, _ = staged_task(RSyncStaging(ssh_command=ssh, cache_size=0), worker_dm, inputs=[url], body=body)
    assert func() == (remote / "a.bin").read_bytes()


def test_node_cache_spares_the_second_transfer(remote, worker_dm, counting_ssh, tmp_path):
    (remote / "ref.dat").write_bytes(os.urandom(50_000))
    provider = RSyncStaging(HOST, ssh_command=counting_ssh.command, cache_dir=str(tmp_path / "cache"))

    def body(ins, outs):
        with open(ins[0], "rb") as f:
            return f.read()

    results = [staged_task(provider, worker_dm, inputs=[str(remote / "ref.dat")], body=body)[0]() for _ in range(3)]
    assert results[0] == results[1] == results[2] == (remote / "ref.dat").read_bytes()
    assert counting_ssh.calls() == 1


def test_missing_remote_file_names_url_and_cause(remote, worker_dm):
    func, _, _ = staged_task(RSyncStaging(HOST, cache_size=0), worker_dm, inputs=[str(remote / "absent.txt")])
    with pytest.raises(StagingError) as info:
        func()
    message = str(info.value)
    assert message.startswith(f"staging in rsync://{HOST}{remote}/absent.txt failed: rsync exited with code 23")
    assert "No such file or directory" in message
    assert worker_files(worker_dm) == []


def test_refused_connection(worker_dm, closed_port):
    url = f"rsync://127.0.0.1:{closed_port}/tmp/x"
    func, _, _ = staged_task(RSyncStaging(ssh_command="ssh -o BatchMode=yes", cache_size=0), worker_dm, inputs=[url])
    refused = rf"staging in {url} failed: rsync exited with code \d+: ssh: connect to host .*Connection refused"
    with pytest.raises(StagingError, match=refused):
        func()


def test_rejected_key(remote, worker_dm, tmp_path):
    import subprocess

    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(tmp_path / "stranger")], check=True)
    ssh = (f"ssh -i {tmp_path / 'stranger'} -o IdentitiesOnly=yes -o BatchMode=yes "
           "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null")
    url = f"rsync://root@127.0.0.1:{os.environ.get('SSHD_CI_PORT', '2222')}{remote}/x"
    func, _, _ = staged_task(RSyncStaging(ssh_command=ssh, cache_size=0), worker_dm, inputs=[url])
    denied = r"failed: rsync exited with code \d+: root@127.0.0.1: Permission denied \(publickey"
    with pytest.raises(StagingError, match=denied):
        func()


def test_failed_app_uploads_nothing(remote, worker_dm):
    def body(ins, outs):
        with open(outs[0], "w") as f:
            f.write("half")
        raise RuntimeError("app failed")

    func, _, _ = staged_task(RSyncStaging(HOST), worker_dm, outputs=[str(remote / "result.txt")], body=body)
    with pytest.raises(RuntimeError, match="app failed"):
        func()
    assert not (remote / "result.txt").exists()
    assert os.listdir(worker_dm.dfk.executors["ex"].working_dir) == []     # sandbox removed too


def test_failed_stage_in_leaves_no_sandbox(remote, worker_dm):
    func, _, _ = staged_task(RSyncStaging(HOST, cache_size=0), worker_dm, inputs=[str(remote / "gone.txt")],
                             outputs=[str(remote / "never.txt")])
    with pytest.raises(StagingError, match=r"gone\.txt failed"):
        func()
    assert os.listdir(worker_dm.dfk.executors["ex"].working_dir) == []
    assert not (remote / "never.txt").exists()


def test_toml_config(tmp_path):
    from parsl.config import load_config_file

    path = tmp_path / "parsl.toml"
    path.write_text('[[executors]]\ntype = "threads"\nworking_dir = "/tmp/w"\n'
                    'storage_access = [{ type = "rsync", hostname = "login.example.org", sandbox = false }]\n')
    [p] = load_config_file(str(path)).executors[0].storage_access
    assert (type(p), p.hostname, p.sandbox) == (RSyncStaging, "login.example.org", False)
