"""GlobusStaging's transfer and login logic against recorded Globus API responses (see README)."""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
from types import SimpleNamespace

import pytest

from parsl.data_provider.files import File
from parsl.data_provider.staging_errors import StagingError
from parsl.errors import ConfigurationError
from parsl.plugins.manager import get_plugin_manager
from parsl_staging_globus import GlobusStaging, auth
from parsl_staging_globus.staging import globus_stage_in, globus_stage_out

from .conftest import TASK_ID

SRC = "a6f165fa-aee2-4fe5-95f3-97429c28bf82"
EXEC_EP = "ddb59aef-6d04-11e5-ba46-22000b92c6ec"


@pytest.fixture
def provider() -> GlobusStaging:
    p = GlobusStaging(endpoint_uuid=EXEC_EP, endpoint_path="/~/scratch", local_path="/scratch/me")
    p.poll_interval = 0.01
    return p


def stage_in(provider, working_dir="/scratch/me/run1"):
    """Place the file as stage_in does, then run the body of the staging task."""
    file = File(f"globus://{SRC}/~/data/run1.h5")
    file.local_path = os.path.join(working_dir, file.filename)
    globus_stage_in(provider, provider.endpoint_dir(working_dir), outputs=[file])
    return file


def test_registered_with_parsl_module_path_and_no_eager_sdk_import():
    assert get_plugin_manager().find("stager", "globus") is GlobusStaging
    from parsl.data_provider.globus import GlobusStaging as via_parsl_path

    assert via_parsl_path is GlobusStaging
    code = "import parsl_staging_globus, parsl_staging_globus.plugin, sys; print('globus_sdk' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip() == "False"


def test_parsl_keywords_and_type_checks():
    p = GlobusStaging("ep-uuid")
    assert (p.endpoint_uuid, p.endpoint_path, p.local_path) == ("ep-uuid", None, None)
    with pytest.raises(TypeError, match="endpoint_uuid"):
        GlobusStaging(endpoint_uuid=42)
    assert p.can_stage_in(File("globus://ep/x")) and p.can_stage_out(File("globus://ep/x"))
    assert not p.can_stage_in(File("https://h/x"))


def test_endpoint_path_mapping():
    mapped = GlobusStaging("ep", endpoint_path="/~/scratch", local_path="/scratch/me")
    assert mapped.endpoint_dir("/scratch/me/run1") == "/~/scratch/run1"
    assert GlobusStaging("ep").endpoint_dir("/work/dir/") == "/work/dir"
    with pytest.raises(ConfigurationError, match="working_dir"):
        GlobusStaging("ep").endpoint_dir(None)
    with pytest.raises(ConfigurationError, match="must contain the working_dir"):
        mapped.endpoint_dir("/elsewhere")


def test_stage_in_submits_one_item_and_follows_the_task(globus, logged_in, provider, caplog):
    globus.reply("GET", "/v0.10/submission_id", (200, "submission_id"))
    globus.reply("POST", "/v0.10/transfer", (202, "transfer_accepted"))
    globus.reply("GET", f"/v0.10/task/{TASK_ID}", (200, "task_active"), (200, "task_active_retrying"),
                 (200, "task_succeeded"))
    globus.reply("GET", f"/v0.10/task/{TASK_ID}/event_list", (200, "events_retrying"))
    with caplog.at_level(logging.WARNING):
        file = stage_in(provider)
    assert file.local_path == "/scratch/me/run1/run1.h5"
    [submit] = globus.sent("POST", "/v0.10/transfer")
    doc = json.loads(submit.body)
    assert submit.authorization == "Bearer transfer_access_token"
    assert (doc["source_endpoint"], doc["destination_endpoint"]) == (SRC, EXEC_EP)
    assert doc["verify_checksum"] is True
    assert [(i["source_path"], i["destination_path"]) for i in doc["DATA"]] == [("/~/data/run1.h5",
                                                                                "/~/scratch/run1/run1.h5")]
    assert len(globus.sent("GET", f"/v0.10/task/{TASK_ID}")) == 3
    assert "Connection reset" in caplog.text and "Globus retries" in caplog.text


def test_failed_task_names_url_and_globus_error(globus, logged_in, provider):
    globus.reply("GET", "/v0.10/submission_id", (200, "submission_id"))
    globus.reply("POST", "/v0.10/transfer", (202, "transfer_accepted"))
    globus.reply("GET", f"/v0.10/task/{TASK_ID}", (200, "task_failed"))
    globus.reply("GET", f"/v0.10/task/{TASK_ID}/event_list", (200, "events_failed"))
    with pytest.raises(StagingError) as info:
        stage_in(provider)
    message = str(info.value)
    assert message.startswith(f"staging in globus://{SRC}/~/data/run1.h5 failed: Globus task {TASK_ID} ended FAILED: "
                              "file not found")
    assert "No such file or directory" in message


def test_rejected_submission(globus, logged_in, provider):
    globus.reply("GET", "/v0.10/submission_id", (200, "submission_id"))
    globus.reply("POST", "/v0.10/transfer", (404, "transfer_rejected"))
    refused = r"failed: Globus Transfer refused: 404 ClientError.NotFound: No such collection"
    with pytest.raises(StagingError, match=refused):
        stage_in(provider)


def test_stage_out_goes_the_other_way(globus, logged_in, provider):
    globus.reply("GET", "/v0.10/submission_id", (200, "submission_id"))
    globus.reply("POST", "/v0.10/transfer", (202, "transfer_accepted"))
    globus.reply("GET", f"/v0.10/task/{TASK_ID}", (200, "task_succeeded"))
    file = File(f"globus://{SRC}/~/results/out.csv")
    file.local_path = "/scratch/me/run1/out.csv"
    globus_stage_out(provider, provider.endpoint_dir("/scratch/me/run1"), None, inputs=[file])
    doc = json.loads(globus.sent("POST", "/v0.10/transfer")[0].body)
    assert (doc["source_endpoint"], doc["destination_endpoint"]) == (EXEC_EP, SRC)
    assert doc["DATA"][0]["source_path"] == "/~/scratch/run1/out.csv"
    assert doc["DATA"][0]["destination_path"] == "/~/results/out.csv"


def test_without_login_the_task_fails_telling_how_to_log_in(globus, provider):
    with pytest.raises(StagingError, match=r"failed: not logged in to Globus .*run `parsl globus login`"):
        stage_in(provider)
    assert globus.requests == []


def test_login_flow_stores_tokens_privately(globus):
    globus.reply("POST", "/v2/oauth2/token", (200, "token_exchange"))
    shown: list[str] = []
    tokens = auth.login(prompt=lambda _: " the-code \n", out=shown.append)
    assert "/v2/oauth2/authorize?client_id=" + auth.CLIENT_ID in shown[0]
    [exchange] = globus.sent("POST", "/v2/oauth2/token")
    assert "code=the-code" in exchange.body and "grant_type=authorization_code" in exchange.body
    assert tokens["transfer.api.globus.org"]["refresh_token"] == "transfer_refresh_token"
    path = auth.token_file()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert auth.load_tokens()["transfer.api.globus.org"]["access_token"] == "transfer_access_token"


def test_login_with_a_bad_code(globus):
    globus.reply("POST", "/v2/oauth2/token", (401, "token_invalid_grant"))
    with pytest.raises(auth.GlobusAuthError, match="Globus Auth rejected the code: 401"):
        auth.login(prompt=lambda _: "wrong", out=lambda _: None)
    assert not os.path.exists(auth.token_file())


def test_parsl_globus_commands(globus, logged_in, capsys):
    from parsl.cli.main import main

    assert main(["globus", "status"]) == 0
    assert "Logged in to Globus Transfer" in capsys.readouterr().out
    assert main(["globus", "logout"]) == 0
    assert main(["globus", "status"]) == 1
    assert "run `parsl globus login`" in capsys.readouterr().out


def test_corrupt_token_file_is_explained(tmp_path, monkeypatch):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    monkeypatch.setenv("PARSL_GLOBUS_TOKEN_FILE", str(bad))
    with pytest.raises(auth.GlobusAuthError, match=r"cannot read Globus tokens from .*bad.json"):
        auth.load_tokens()


def test_stage_in_places_file_in_working_dir_before_submitting(provider):
    dm = SimpleNamespace(dfk=SimpleNamespace(executors={"ex": SimpleNamespace(working_dir=None)}))
    with pytest.raises(ConfigurationError, match="working_dir"):
        provider.stage_in(dm, "ex", File("globus://ep/x"), None)


def test_toml_config(tmp_path):
    from parsl.config import load_config_file

    path = tmp_path / "parsl.toml"
    path.write_text('[[executors]]\ntype = "threads"\nworking_dir = "/tmp/w"\n'
                    f'storage_access = [{{ type = "globus", endpoint_uuid = "{EXEC_EP}" }}]\n')
    [p] = load_config_file(str(path)).executors[0].storage_access
    assert (type(p), p.endpoint_uuid) == (GlobusStaging, EXEC_EP)


def test_parsl_globus_login_command_end_to_end(globus):
    globus.reply("POST", "/v2/oauth2/token", (200, "token_exchange"))
    proc = subprocess.run([sys.executable, "-m", "parsl.cli.main", "globus", "login"], input="the-code\n",
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "/v2/oauth2/authorize?client_id=" in proc.stdout and "Logged in" in proc.stdout
    assert auth.load_tokens()["transfer.api.globus.org"]["refresh_token"] == "transfer_refresh_token"
    globus.reply("POST", "/v2/oauth2/token", (401, "token_invalid_grant"))
    proc = subprocess.run([sys.executable, "-m", "parsl.cli.main", "globus", "login"], input="bad\n",
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 1 and "Globus Auth rejected the code: 401" in proc.stderr
