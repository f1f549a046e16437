"""Charliecloud: ``ch-run`` of an unpacked image directory, no daemon, no container names."""

from __future__ import annotations

import os
from typing import Sequence

from parsl.containers.runtime import ContainerRuntime, Mount
from parsl.plugins.settings import settings


@settings
class CharliecloudRuntime(ContainerRuntime):
    """Charliecloud: ``ch-run`` of an unpacked image directory, no daemon, no container names."""

    programs = ("ch-run",)
    names_containers = False

    def run_verb(self) -> list[str]:
        return ["--unset-env=*", "--set-env=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]

    def host_network_args(self) -> list[str]:
        return []  # ch-run never isolates the network

    def mount_args(self, mount: Mount) -> list[str]:
        if mount.read_only:
            raise ValueError(f"charliecloud (ch-run) binds read-write only; mount {mount.source!r} asked for read-only")
        return ["-b", f"{mount.source}:{mount.destination}"]

    def workdir_args(self, workdir: str) -> list[str]:
        return ["-c", workdir]

    def env_args(self, key: str, value: str) -> list[str]:
        return [f"--set-env={key}={value}"]

    def gpu_args(self, gpus: str) -> list[str]:
        raise ValueError("charliecloud takes GPUs from libraries injected into the image "
                         "(ch-fromhost --nvidia), not from a run option: leave gpus unset")

    def image_and_command(self, image: str, command: Sequence[str]) -> list[str]:
        return [image, "--", *command]

    def remove_argv(self, program: str, name: str) -> None:
        return None

    def image_present(self, program: str, image: str) -> bool:
        return os.path.isdir(image)

    def command_not_found(self, returncode: int, stderr: str) -> bool:
        return returncode != 0 and "can't execve" in stderr

    def prepare(self, image: str, mounts: Sequence[Mount]) -> None:
        """Create each bind destination in the image directory: ch-run binds only onto existing paths."""
        if os.path.isdir(image):
            for mount in mounts:
                os.makedirs(os.path.join(image, mount.destination.lstrip("/")), exist_ok=True)
