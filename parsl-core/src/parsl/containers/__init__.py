"""Containers: apps that run in images, and worker pools started in an image.

A container runtime (``podman``, ``docker``, ``apptainer``/``singularity``, ``shifter``,
``charliecloud``) is a plugin kind: a ``ContainerRuntime`` subclass registered through
``parsl_register_container_runtimes``. ``Container`` names an image and a runtime and makes bash
and Python apps run in it; ``parsl.launchers.ContainerLauncher`` starts a block's worker pool in
one.
"""

from parsl.containers.app import Container
from parsl.containers.errors import (
    ContainerBindPathMissing,
    ContainerError,
    ContainerExitError,
    ContainerImageNotFound,
    ContainerPythonError,
    ContainerRuntimeNotFound,
)
from parsl.containers.runtime import ContainerRuntime, Mount

__all__ = [
    "Container",
    "ContainerBindPathMissing",
    "ContainerError",
    "ContainerExitError",
    "ContainerImageNotFound",
    "ContainerPythonError",
    "ContainerRuntime",
    "ContainerRuntimeNotFound",
    "Mount",
]
