"""The ``parsl`` entry point of parsl-staging-http: registers the stagers under their schemes."""

from __future__ import annotations

from collections.abc import Mapping

from parsl.plugins import hookimpl
from parsl.plugins.hookspecs import Register

PARSL_PLUGIN_API = ">=1.0,<2"


@hookimpl
def parsl_register_stagers(register: Register) -> None:
    from parsl_staging_http.staging import HTTPInTaskStaging, HTTPSeparateTaskStaging

    register(HTTPSeparateTaskStaging, name="http", aliases=("https",))
    register(HTTPInTaskStaging, name="http-in-task", aliases=("https-in-task",))


@hookimpl
def parsl_module_aliases() -> Mapping[str, str]:
    return {"parsl.data_provider.http": "parsl_staging_http"}
