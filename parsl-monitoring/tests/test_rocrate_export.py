"""``parsl monitor export --format ro-crate``: a Workflow Run RO-Crate that RO-Crate tooling reads."""

from __future__ import annotations

import datetime
import json
from importlib import resources

from parsl.cli.main import main

PROFILES = {"https://w3id.org/ro/wfrun/process/0.5", "https://w3id.org/ro/wfrun/workflow/0.5"}
ACTION_STATUSES = {"CompletedActionStatus", "FailedActionStatus", "ActiveActionStatus", "PotentialActionStatus"}


def context_terms() -> set[str]:
    """The terms of the RO-Crate JSON-LD context shipped by the ``rocrate`` package (a superset of 1.1's)."""
    text = resources.files("rocrate").joinpath("data", "ro-crate.jsonld").read_text()
    return set(json.loads(text)["@context"])


def export(known_run, tmp_path) -> dict:
    out = tmp_path / "crate"
    assert main(["monitor", "export", "--format", "ro-crate", known_run["run_dir"], "-o", str(out)]) == 0
    return json.loads((out / "ro-crate-metadata.json").read_text())


def test_crate_has_the_ro_crate_1_1_structure(known_run, tmp_path):
    crate = export(known_run, tmp_path)
    assert crate["@context"] == "https://w3id.org/ro/crate/1.1/context"
    graph = crate["@graph"]
    ids = [e["@id"] for e in graph]
    assert len(ids) == len(set(ids)), "entity ids must be unique"
    by_id = {e["@id"]: e for e in graph}
    descriptor = by_id["ro-crate-metadata.json"]
    assert descriptor["@type"] == "CreativeWork"
    assert descriptor["conformsTo"] == {"@id": "https://w3id.org/ro/crate/1.1"}
    assert descriptor["about"] == {"@id": "./"}
    root = by_id["./"]
    assert root["@type"] == "Dataset" and root["name"] and root["description"]
    datetime.datetime.fromisoformat(root["datePublished"])
    assert {p["@id"] for p in root["conformsTo"]} == PROFILES
    terms = context_terms()
    for entity in graph:
        types = entity["@type"] if isinstance(entity["@type"], list) else [entity["@type"]]
        assert all(t in terms for t in types), f"{entity['@id']}: type not in the RO-Crate context: {types}"
        for key, value in entity.items():
            if key.startswith("@"):
                continue
            assert key in terms, f"{entity['@id']}: property {key!r} is not an RO-Crate term"
            for ref in value if isinstance(value, list) else [value]:
                if isinstance(ref, dict):
                    target = ref["@id"]
                    assert target in by_id or target.startswith(("http://", "https://")), \
                        f"{entity['@id']}.{key} refers to {target!r}, which is not in the crate"


def test_crate_describes_the_run_its_tasks_and_files(known_run, tmp_path):
    crate = export(known_run, tmp_path)
    by_id = {e["@id"]: e for e in crate["@graph"]}
    workflow = by_id[by_id["./"]["mainEntity"]["@id"]]
    assert "ComputationalWorkflow" in workflow["@type"] and workflow["name"] == "diamond"
    run = by_id["#run-known-run"]
    assert run["@type"] == "CreateAction" and run["instrument"] == {"@id": workflow["@id"]}
    assert run["actionStatus"] == "FailedActionStatus" and run["endTime"] >= run["startTime"]
    tasks = {k: v for k, v in by_id.items() if k.startswith("#task-")}
    assert len(tasks) == 5 and all(t["actionStatus"] in ACTION_STATUSES for t in tasks.values())
    app = by_id[tasks["#task-0"]["instrument"]["@id"]]
    assert app == {"@id": "#app-make", "@type": "SoftwareApplication", "name": "make"}
    assert tasks["#task-0"]["result"] == [{"@id": "file:///data/out0.txt"}]
    assert by_id["file:///data/out0.txt"]["@type"] == "File"
    assert tasks["#task-3"]["actionStatus"] == "FailedActionStatus"
    assert tasks["#task-3"]["error"] == "ZeroDivisionError: division by zero in join"


def test_ro_crate_library_reads_the_crate(known_run, tmp_path):
    from rocrate.rocrate import ROCrate

    export(known_run, tmp_path)
    crate = ROCrate(str(tmp_path / "crate"))
    assert crate.mainEntity["name"] == "diamond"
    assert crate.get("#task-3")["actionStatus"] == "FailedActionStatus"
    assert crate.get("#run-known-run").type == "CreateAction"


def test_export_of_unknown_run_is_a_clear_error(known_run, tmp_path, capsys):
    assert main(["monitor", "export", known_run["run_dir"], "--run", "nope", "-o", str(tmp_path)]) == 1
    assert "no workflow with run id 'nope'" in capsys.readouterr().err
    assert not (tmp_path / "ro-crate-metadata.json").exists()


def test_crate_of_a_real_workflow_lists_its_files(tmp_path):
    import parsl
    from parsl import python_app
    from parsl.config import Config
    from parsl.data_provider.files import File
    from parsl_monitoring.hub import MonitoringHub

    @python_app
    def copy(inputs=(), outputs=()):
        with open(inputs[0].filepath) as src, open(outputs[0].filepath, "w") as dst:
            dst.write(src.read().upper())

    source = tmp_path / "in.txt"
    source.write_text("hello")
    with parsl.load(Config(run_dir=str(tmp_path / "runinfo"), monitoring=MonitoringHub(workflow_name="copy"))):
        copy(inputs=[File(str(source))], outputs=[File(str(tmp_path / "out.txt"))]).result()
    assert (tmp_path / "out.txt").read_text() == "HELLO"
    crate = export({"run_dir": str(tmp_path / "runinfo")}, tmp_path)
    by_id = {e["@id"]: e for e in crate["@graph"]}
    task = by_id["#task-0"]
    assert task["object"] == [{"@id": source.as_uri()}]
    assert task["result"] == [{"@id": (tmp_path / "out.txt").as_uri()}]
    assert by_id[source.as_uri()] == {"@id": source.as_uri(), "@type": "File", "name": "in.txt"}
    assert {"@id": source.as_uri()} in by_id["./"]["hasPart"]
