"""DockerRequirement through the container-runtime plugins, on real podman (`.ci/services/podman.sh
start` imports the test images), on local threads and on HTEX; a missing image; --no-container."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import parsl_cwl, run_past_time_limit

import parsl_cwl as cwl_apps
from parsl.containers.app import Container
from parsl.data_provider.files import File

#: A test image (see .ci/services/container-images.sh): its name is in /etc/parsl-ci-image, and
#: /usr/local/bin/step1 (appends " step1" to each line of stdin) exists only there.
IMAGE = "localhost/parsl-ci/step1"

#: Everything a CWL container job is promised, written by a command that can only run in the image.
IN_IMAGE = f"""
    cwlVersion: v1.2
    class: CommandLineTool
    requirements:
      DockerRequirement: {{dockerPull: {IMAGE}, dockerOutputDirectory: /results}}
      EnvVarRequirement: {{envDef: {{GREETING: hello}}}}
    baseCommand: [sh, -c]
    arguments:
      - >
        cat /etc/parsl-ci-image > image.txt &&
        step1 > stepped.txt &&
        echo "$GREETING `pwd` $HOME $TMPDIR `id -u`:`id -g`" > env.txt &&
        if touch "$0" 2>/dev/null; then echo writable; else echo read-only; fi > input.txt
      - $(inputs.src.path)
    stdin: $(inputs.src.path)
    inputs:
      src: File
    outputs:
      image: {{type: File, outputBinding: {{glob: image.txt}}}}
      stepped: {{type: File, outputBinding: {{glob: stepped.txt}}}}
      env: {{type: File, outputBinding: {{glob: env.txt}}}}
      input: {{type: File, outputBinding: {{glob: input.txt}}}}
    """


def _tool(image: str, requirement: str = "requirements") -> str:
    """A tool that says where it ran: the image's name, or ``host``."""
    return f"""
        cwlVersion: v1.2
        class: CommandLineTool
        {requirement}:
          DockerRequirement: {{dockerPull: {image}}}
        baseCommand: [sh, -c, 'cat /etc/parsl-ci-image 2>/dev/null || echo host']
        stdout: where.txt
        inputs: []
        outputs:
          where: stdout
        """


@pytest.fixture(autouse=True)
def podman_ready() -> None:
    """The tests need podman and the test image (never skipped: they fail saying what to start)."""
    runtime = Container(IMAGE, runtime="podman").runtime_plugin()
    program = runtime.program()
    assert program, "podman is not installed: run `sudo .ci/services/podman.sh start`"
    assert runtime.image_present(program, IMAGE), f"test image {IMAGE} missing: run `sudo .ci/services/podman.sh start`"
    assert not os.path.exists("/etc/parsl-ci-image"), "this host looks like a test image: the tests would prove nothing"


def test_a_tool_runs_in_its_image_with_the_cwl_mounts_user_and_environment(dfk, cwl, tmp_path: Path) -> None:
    source = tmp_path / "lines.txt"
    source.write_text("a\nb\n")
    out = cwl_apps.load(cwl("in-image.cwl", IN_IMAGE))(src=File(str(source))).result()
    text = {name: Path(out[name].filepath).read_text() for name in ("image", "stepped", "env", "input")}
    assert text["image"] == "step1\n"
    assert text["stepped"] == "a step1\nb step1\n"  # stdin redirected from the input, a tool only the image has
    assert text["env"] == f"hello /results /results /tmp {os.getuid()}:{os.getgid()}\n"
    assert text["input"] == "read-only\n"
    assert source.read_text() == "a\nb\n"
    commands = [t for t in dfk.tasks.values() if t["func_name"] == "run_command"]
    assert [t["executor"] for t in commands] == [next(iter(dfk.config.executors)).label]


def test_cli_runs_the_tool_in_its_image_and_no_container_runs_a_hint_on_the_host(cwl, tmp_path: Path) -> None:
    for requirement, options, where in [("requirements", [], "step1"),
                                        ("requirements", ["--container-runtime", "podman"], "step1"),
                                        ("hints", ["--no-container"], "host")]:
        tool = cwl(f"where-{requirement}.cwl", _tool(IMAGE, requirement))
        out = tmp_path / f"out-{len(options)}"
        done = parsl_cwl(*options, "--quiet", "--outdir", str(out), str(tool), cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert Path(json.loads(done.stdout)["where"]["path"]).read_text() == f"{where}\n", (options, done.stdout)


def test_no_container_answers_a_required_image_as_cwltool_does(cwl, tmp_path: Path) -> None:
    """Exit 33 (unsupported), as the reference runner's --no-container."""
    tool = cwl("required.cwl", _tool(IMAGE))
    cwltool = str(Path(sys.executable).with_name("cwltool"))
    reference = subprocess.run([cwltool, "--quiet", "--no-container", str(tool)], cwd=tmp_path,
                               capture_output=True, text=True, timeout=600)
    done = parsl_cwl("--quiet", "--no-container", str(tool), cwd=tmp_path)
    assert done.returncode == reference.returncode == 33, (done.stderr, reference.stderr)
    assert "DockerRequirement" in done.stderr


def test_cli_missing_image_exits_1_naming_it(cwl, tmp_path: Path) -> None:
    missing = "localhost/parsl-ci/no-such-image"
    done = parsl_cwl("--quiet", str(cwl("missing.cwl", _tool(missing))), cwd=tmp_path)
    assert done.returncode == 1
    assert f"image '{missing}' is not present for container runtime 'podman'" in done.stderr, done.stderr
    assert "never pulls" in done.stderr and f"podman pull {missing}" in done.stderr, done.stderr


def test_an_image_it_would_have_to_build_is_unsupported(cwl, tmp_path: Path) -> None:
    tool = cwl("build.cwl", """
        cwlVersion: v1.2
        class: CommandLineTool
        requirements:
          DockerRequirement: {dockerFile: 'FROM scratch'}
        baseCommand: "true"
        inputs: []
        outputs: []
        """)
    done = parsl_cwl("--quiet", str(tool), cwd=tmp_path)
    assert done.returncode == 33, done.stderr
    assert "only dockerFile: parsl-cwl never builds, loads or imports images" in done.stderr, done.stderr


def test_an_unknown_container_runtime_is_refused_by_name(cwl, tmp_path: Path) -> None:
    done = parsl_cwl("--container-runtime", "podmann", str(cwl("where.cwl", _tool(IMAGE))), cwd=tmp_path)
    assert done.returncode == 1
    assert "--container-runtime podmann" in done.stderr and "'podman'" in done.stderr, done.stderr


def test_a_time_limit_removes_the_container(dfk, cwl) -> None:
    run_past_time_limit(cwl, 5, '[sleep, "6017"]', requirement=f"DockerRequirement: {{dockerPull: {IMAGE}}}")
    listed = subprocess.run(["podman", "ps", "--all", "--no-trunc", "--format", "{{.Command}}"],
                            capture_output=True, text=True, check=True).stdout
    assert "6017" not in listed, listed


def test_without_a_runtime_plugin_a_required_image_is_unsupported(cwl, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("PARSL_BLOCK_PLUGINS", "parsl-container-podman,parsl-container-docker")
    done = parsl_cwl("--quiet", str(cwl("where.cwl", _tool(IMAGE))), cwd=tmp_path)
    assert done.returncode == 33, done.stderr
    assert "no container runtime plugin is installed" in done.stderr and "--no-container" in done.stderr, done.stderr
