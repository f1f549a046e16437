"""The command lines the shifter plugin renders, checked against the documented `shifter` options
(``--image``, ``--volume``, ``--workdir``, ``--env``, ``--module``; options before the command).

Shifter cannot be installed on the CI machine, so nothing here runs it.
"""

from __future__ import annotations

from parsl.containers.app import Container
from parsl.containers.runtime import Mount
from parsl.plugins.manager import get_plugin_manager
from parsl_container_shifter.runtime import ShifterRuntime


def render(**kwargs: object) -> list[str]:
    return ShifterRuntime().run_argv("/usr/bin/shifter", "docker:ubuntu:22.04", ["bash", "-c", "ls"],
                                     name="parsl-0123", **kwargs)  # type: ignore[arg-type]


def test_registered() -> None:
    assert get_plugin_manager().get("container_runtime", "shifter") is ShifterRuntime
    assert Container("docker:ubuntu:22.04", runtime="shifter").runtime_plugin().name == "shifter"


def test_options_then_image_then_command() -> None:
    argv = render(mounts=[Mount("/global/data"), Mount("/scratch", "/in", read_only=True)], workdir="/global/data",
                  env={"A": "1"}, gpus="all")
    assert argv == ["/usr/bin/shifter", "--volume=/global/data:/global/data", "--volume=/scratch:/in:ro",
                    "--workdir=/global/data", "--env=A=1", "--module=gpu", "--image=docker:ubuntu:22.04", "--",
                    "bash", "-c", "ls"]


def test_no_names_no_network_option_and_gpu_selection() -> None:
    argv = render(gpus="1")
    assert argv == ["/usr/bin/shifter", "--module=gpu", "--env=CUDA_VISIBLE_DEVICES=1",
                    "--image=docker:ubuntu:22.04", "--", "bash", "-c", "ls"]
    assert ShifterRuntime().remove_argv("/usr/bin/shifter", "parsl-0123") is None


def test_image_lookup_uses_shifterimg_beside_shifter(tmp_path) -> None:
    shifterimg = tmp_path / "shifterimg"
    shifterimg.write_text('#!/bin/sh\n[ "$1 $2" = "lookup docker:ubuntu:22.04" ]\n')
    shifterimg.chmod(0o755)
    runtime = ShifterRuntime()
    assert runtime.image_present(str(tmp_path / "shifter"), "docker:ubuntu:22.04")
    assert not runtime.image_present(str(tmp_path / "shifter"), "docker:missing:1")
