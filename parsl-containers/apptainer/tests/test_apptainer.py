"""The command lines the apptainer plugin renders, checked against the documented `apptainer exec` form.

Apptainer cannot be installed on the CI machine, so nothing here runs it.
"""

from __future__ import annotations

import pytest

from parsl.containers.app import Container
from parsl.containers.runtime import Mount
from parsl.plugins.manager import get_plugin_manager
from parsl_container_apptainer.runtime import ApptainerRuntime


def render(runtime: ApptainerRuntime, **kwargs: object) -> list[str]:
    return runtime.run_argv("/usr/bin/apptainer", "/images/tools.sif", ["python3", "-c", "print(1)"],
                            name="parsl-0123", **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["apptainer", "singularity", "ApptainerRuntime"])
def test_registered_under_both_names(name: str) -> None:
    assert get_plugin_manager().get("container_runtime", name) is ApptainerRuntime
    assert Container("x.sif", runtime=name).runtime_plugin().name == "apptainer"


def test_exec_with_binds_workdir_env_and_gpus() -> None:
    argv = render(ApptainerRuntime(), mounts=[Mount("/data"), Mount("/scratch/in", "/in", read_only=True)],
                  workdir="/data/run", env={"A": "1"}, gpus="0,1")
    assert argv == ["/usr/bin/apptainer", "exec", "--cleanenv", "--bind", "/data:/data", "--bind",
                    "/scratch/in:/in:ro", "--pwd", "/data/run", "--env", "A=1", "--nv", "--env",
                    "CUDA_VISIBLE_DEVICES=0,1", "/images/tools.sif", "python3", "-c", "print(1)"]


def test_no_container_name_and_host_network_by_default() -> None:
    argv = render(ApptainerRuntime(), host_network=True)
    assert argv == ["/usr/bin/apptainer", "exec", "--cleanenv", "/images/tools.sif", "python3", "-c", "print(1)"]
    assert ApptainerRuntime().remove_argv("/usr/bin/apptainer", "parsl-0123") is None


def test_all_gpus_and_run_options() -> None:
    argv = render(ApptainerRuntime(run_options=["--containall"]), gpus="all")
    assert argv[3:6] == ["--nv", "--containall", "/images/tools.sif"]


def test_singularity_is_used_when_apptainer_is_absent(tmp_path, monkeypatch) -> None:
    program = tmp_path / "singularity"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert ApptainerRuntime().program() == str(program)


def test_image_present_is_a_local_file(tmp_path) -> None:
    image = tmp_path / "tools.sif"
    assert not ApptainerRuntime().image_present("apptainer", str(image))
    image.write_bytes(b"")
    assert ApptainerRuntime().image_present("apptainer", str(image))
