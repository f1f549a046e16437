"""FTP staging against a real pyftpdlib server on 127.0.0.1, through the Staging protocol."""

from __future__ import annotations

import os

import pytest

from parsl.data_provider.files import File
from parsl.data_provider.staging_errors import StagingError
from parsl.plugins.manager import get_plugin_manager
from parsl_staging_ftp import FTPInTaskStaging, FTPSeparateTaskStaging


def stage_in_and_run(provider, dm, url: str) -> bytes:
    """What the DataManager and worker do with an in-task stager: wrap, then run the app."""
    file = File(url)
    assert provider.can_stage_in(file)
    provider.stage_in(dm, "ex", file, None)

    def app():
        with open(file.local_path, "rb") as f:
            return f.read()

    return provider.replace_task(dm, "ex", file, app)()


def run_and_stage_out(provider, dm, url: str, content: bytes) -> File:
    file = File(url)
    assert provider.can_stage_out(file)
    assert provider.stage_out(dm, "ex", file, None) is None

    def app():
        with open(file.local_path, "wb") as f:
            f.write(content)
        return "done"

    assert provider.replace_task_stage_out(dm, "ex", file, app)() == "done"
    return file


def test_registered_under_scheme_and_parsl_module_path():
    manager = get_plugin_manager()
    assert manager.find("stager", "ftp") is FTPSeparateTaskStaging
    assert manager.find("stager", "ftp-in-task") is FTPInTaskStaging
    from parsl.data_provider.ftp import FTPSeparateTaskStaging as via_parsl_path

    assert via_parsl_path is FTPSeparateTaskStaging


def test_anonymous_download(ftp_server, fake_dm):
    (ftp_server.root / "pub").mkdir()
    (ftp_server.root / "pub" / "data.txt").write_bytes(b"anonymous data")
    got = stage_in_and_run(FTPInTaskStaging(cache_size=0), fake_dm, f"{ftp_server.anon}/pub/data.txt")
    assert got == b"anonymous data"


def test_user_download_and_node_cache(ftp_server, fake_dm, tmp_path):
    (ftp_server.root / "blob.bin").write_bytes(os.urandom(300_000))
    provider = FTPInTaskStaging(cache_dir=str(tmp_path / "cache"))
    url = f"{ftp_server.user}/blob.bin"
    first = stage_in_and_run(provider, fake_dm, url)
    second = stage_in_and_run(provider, fake_dm, url)
    assert first == second == (ftp_server.root / "blob.bin").read_bytes()
    assert len(ftp_server.retrieved) == 1


def test_wrong_password_names_url_without_password(ftp_server, fake_dm):
    url = f"ftp://{'alice'}:wrong@127.0.0.1:{ftp_server.port}/x.txt"
    with pytest.raises(StagingError) as info:
        stage_in_and_run(FTPInTaskStaging(cache_size=0), fake_dm, url)
    assert str(info.value) == (f"staging in ftp://alice:***@127.0.0.1:{ftp_server.port}/x.txt failed: "
                               "530 Authentication failed.")
    assert "wrong" not in repr(info.value.args)
    assert not os.path.exists(fake_dm.dfk.executors["ex"].working_dir) or \
        os.listdir(fake_dm.dfk.executors["ex"].working_dir) == []


def test_missing_file(ftp_server, fake_dm):
    with pytest.raises(StagingError, match=r"nope.txt failed: 550 "):
        stage_in_and_run(FTPInTaskStaging(cache_size=0), fake_dm, f"{ftp_server.anon}/nope.txt")
    assert os.listdir(fake_dm.dfk.executors["ex"].working_dir) == []


def test_connection_refused(closed_port, fake_dm):
    url = f"ftp://127.0.0.1:{closed_port}/x.txt"
    with pytest.raises(StagingError, match=f"staging in {url} failed: Connection refused"):
        stage_in_and_run(FTPInTaskStaging(cache_size=0), fake_dm, url)


def test_upload_after_app_succeeds(ftp_server, fake_dm):
    (ftp_server.root / "results").mkdir()
    file = run_and_stage_out(FTPInTaskStaging(), fake_dm, f"{ftp_server.user}/results/out.txt", b"result")
    assert (ftp_server.root / "results" / "out.txt").read_bytes() == b"result"
    assert os.listdir(ftp_server.root / "results") == ["out.txt"]
    assert os.path.isfile(file.local_path)


def test_no_upload_when_app_fails(ftp_server, fake_dm):
    file = File(f"{ftp_server.user}/out.txt")
    provider = FTPInTaskStaging()
    provider.stage_out(fake_dm, "ex", file, None)

    def failing_app():
        raise ValueError("app broke")

    with pytest.raises(ValueError, match="app broke"):
        provider.replace_task_stage_out(fake_dm, "ex", file, failing_app)()
    assert os.listdir(ftp_server.root) == []


def test_upload_of_missing_output_is_named(ftp_server, fake_dm):
    file = File(f"{ftp_server.user}/out.txt")
    provider = FTPInTaskStaging()
    provider.stage_out(fake_dm, "ex", file, None)
    missing = r"staging out ftp://alice:\*\*\*@.*/out.txt failed: the task did not produce"
    with pytest.raises(StagingError, match=missing):
        provider.replace_task_stage_out(fake_dm, "ex", file, lambda: None)()


def test_forbidden_upload_leaves_no_partial_file(ftp_server, fake_dm):
    with pytest.raises(StagingError, match=r"staging out ftp://127.0.0.1:\d+/out.txt failed: 550 "):
        run_and_stage_out(FTPInTaskStaging(), fake_dm, f"{ftp_server.anon}/out.txt", b"x")
    assert os.listdir(ftp_server.root) == []


def test_toml_config_names_the_stagers(tmp_path):
    from parsl.config import load_config_file

    path = tmp_path / "parsl.toml"
    path.write_text('[[executors]]\ntype = "threads"\nstorage_access = [{ type = "ftp" }, { type = "ftp-in-task" }]\n')
    assert [type(p) for p in load_config_file(str(path)).executors[0].storage_access] == [FTPSeparateTaskStaging,
                                                                                          FTPInTaskStaging]
