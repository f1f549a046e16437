"""Docker: the command-line form the base class renders."""

from __future__ import annotations

from parsl.containers.runtime import ContainerRuntime
from parsl.plugins.settings import settings


@settings
class DockerRuntime(ContainerRuntime):
    """Docker: the command-line form the base class renders."""

    programs = ("docker",)
