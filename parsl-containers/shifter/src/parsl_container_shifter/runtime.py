"""Shifter (NERSC): ``shifter --image=...``, options before the command, no container names."""

from __future__ import annotations

import os
from typing import Sequence

from parsl.containers.runtime import ContainerRuntime, Mount, command_succeeds
from parsl.plugins.settings import settings


@settings
class ShifterRuntime(ContainerRuntime):
    """Shifter (NERSC): ``shifter --image=...``, options before the command, no container names."""

    programs = ("shifter",)
    names_containers = False

    def run_verb(self) -> list[str]:
        return []

    def host_network_args(self) -> list[str]:
        return []  # shifter never isolates the network

    def mount_args(self, mount: Mount) -> list[str]:
        return [f"--volume={mount.source}:{mount.destination}{':ro' if mount.read_only else ''}"]

    def workdir_args(self, workdir: str) -> list[str]:
        return [f"--workdir={workdir}"]

    def env_args(self, key: str, value: str) -> list[str]:
        return [f"--env={key}={value}"]

    def gpu_args(self, gpus: str) -> list[str]:
        return ["--module=gpu"] + ([] if gpus == "all" else [f"--env=CUDA_VISIBLE_DEVICES={gpus}"])

    def image_and_command(self, image: str, command: Sequence[str]) -> list[str]:
        return [f"--image={image}", "--", *command]

    def remove_argv(self, program: str, name: str) -> None:
        return None

    def image_present(self, program: str, image: str) -> bool:
        return command_succeeds([os.path.join(os.path.dirname(program), "shifterimg"), "lookup", image])
