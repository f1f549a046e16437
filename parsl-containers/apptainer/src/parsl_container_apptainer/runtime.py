"""Apptainer (or singularity): ``exec`` of a SIF file or directory, no container names."""

from __future__ import annotations

import os

from parsl.containers.runtime import ContainerRuntime, Mount
from parsl.plugins.settings import settings


@settings
class ApptainerRuntime(ContainerRuntime):
    """Apptainer (or singularity): ``exec`` of a SIF file or directory, no container names."""

    programs = ("apptainer", "singularity")
    names_containers = False

    def run_verb(self) -> list[str]:
        return ["exec", "--cleanenv"]  # no host environment, as with docker

    def host_network_args(self) -> list[str]:
        return []  # apptainer shares the host's network unless asked otherwise

    def mount_args(self, mount: Mount) -> list[str]:
        return ["--bind", f"{mount.source}:{mount.destination}{':ro' if mount.read_only else ''}"]

    def workdir_args(self, workdir: str) -> list[str]:
        return ["--pwd", workdir]

    def env_args(self, key: str, value: str) -> list[str]:
        return ["--env", f"{key}={value}"]

    def gpu_args(self, gpus: str) -> list[str]:
        return ["--nv"] + ([] if gpus == "all" else ["--env", f"CUDA_VISIBLE_DEVICES={gpus}"])

    def remove_argv(self, program: str, name: str) -> None:
        return None

    def image_present(self, program: str, image: str) -> bool:
        return "://" in image or os.path.exists(image)
