"""Podman: Docker's command line, with podman's image check, immediate removal and CDI GPUs."""

from __future__ import annotations

from parsl.containers.runtime import ContainerRuntime, command_succeeds
from parsl.plugins.settings import settings


@settings
class PodmanRuntime(ContainerRuntime):
    """Podman: Docker's command line, with podman's image check, immediate removal and CDI GPUs."""

    programs = ("podman",)

    def gpu_args(self, gpus: str) -> list[str]:
        """GPUs through the Container Device Interface (``nvidia-ctk cdi generate``)."""
        return [arg for device in gpus.split(",") for arg in ("--device", f"nvidia.com/gpu={device.strip()}")]

    def remove_argv(self, program: str, name: str) -> list[str]:
        return [program, "rm", "--force", "--time", "0", "--ignore", name]

    def image_present(self, program: str, image: str) -> bool:
        return command_succeeds([program, "image", "exists", image])
