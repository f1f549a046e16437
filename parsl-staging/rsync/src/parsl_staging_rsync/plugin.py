"""The ``parsl`` entry point of parsl-staging-rsync: registers the stager under its scheme."""

from __future__ import annotations

from typing import Mapping

from parsl.plugins import hookimpl
from parsl.plugins.hookspecs import Register

PARSL_PLUGIN_API = ">=1.0,<2"


@hookimpl
def parsl_register_stagers(register: Register) -> None:
    from parsl_staging_rsync.sites import RSyncSiteStaging
    from parsl_staging_rsync.staging import RSyncStaging

    register(RSyncStaging, name="rsync")
    register(RSyncSiteStaging, name="rsync-sites")


@hookimpl
def parsl_module_aliases() -> Mapping[str, str]:
    return {"parsl.data_provider.rsync": "parsl_staging_rsync"}
