"""Registers ``ApptainerRuntime`` as the container runtime ``apptainer``."""

from __future__ import annotations

from parsl.plugins import hookimpl
from parsl.plugins.hookspecs import Register

PARSL_PLUGIN_API = ">=1.1,<2"


@hookimpl
def parsl_register_container_runtimes(register: Register) -> None:
    from parsl_container_apptainer.runtime import ApptainerRuntime

    register(ApptainerRuntime, name="apptainer", aliases=('singularity',))
