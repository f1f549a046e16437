"""The ``parsl`` entry point of parsl-staging-ftp: registers the stagers under their scheme."""

from __future__ import annotations

from typing import Mapping

from parsl.plugins import hookimpl
from parsl.plugins.hookspecs import Register

PARSL_PLUGIN_API = ">=1.0,<2"


@hookimpl
def parsl_register_stagers(register: Register) -> None:
    from parsl_staging_ftp.staging import FTPInTaskStaging, FTPSeparateTaskStaging

    register(FTPSeparateTaskStaging, name="ftp")
    register(FTPInTaskStaging, name="ftp-in-task")


@hookimpl
def parsl_module_aliases() -> Mapping[str, str]:
    return {"parsl.data_provider.ftp": "parsl_staging_ftp"}
