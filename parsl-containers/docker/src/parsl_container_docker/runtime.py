"""Docker: the command-line form the base class renders."""

from __future__ import annotations

from parsl.containers.runtime import ContainerRuntime
from parsl.plugins.settings import settings


@settings
class DockerRuntime(ContainerRuntime):
    """Docker: the command-line form the base class renders."""

    programs = ("docker",)
    # The CLI's --rm waits for the removal through an API condition not every Docker-API server
    # honours (podman 4.3's returns at once, with exit code 0): the run removes the container.
    removes_on_exit = False
