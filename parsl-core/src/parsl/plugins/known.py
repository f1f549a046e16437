"""First-party plugin names and the distributions that provide them.

The core consults this table only to turn "not installed" into "``pip install X``": plugins are
still found through their entry points, never through this table.
"""

from __future__ import annotations

from typing import Mapping

_HTEX = "parsl-executor-htex"
_MONITORING = "parsl-monitoring"

#: kind -> plugin name (short name or Parsl class name) -> distribution
KNOWN_PLUGINS: Mapping[str, Mapping[str, str]] = {
    "executor": {
        "htex": _HTEX,
        "HighThroughputExecutor": _HTEX,
        "mpi": _HTEX,
        "MPIExecutor": _HTEX,
    },
    "provider": {
        **{n: "parsl-provider-slurm" for n in ("slurm", "SlurmProvider")},
        **{n: "parsl-provider-gridengine" for n in ("gridengine", "GridEngineProvider")},
        **{n: "parsl-provider-pbspro" for n in ("pbspro", "PBSProProvider")},
        **{n: "parsl-provider-torque" for n in ("torque", "TorqueProvider")},
        **{n: "parsl-provider-condor" for n in ("condor", "CondorProvider")},
        **{n: "parsl-provider-lsf" for n in ("lsf", "LSFProvider")},
        **{n: "parsl-provider-aws" for n in ("aws", "AWSProvider")},
        **{n: "parsl-provider-kubernetes" for n in ("kubernetes", "KubernetesProvider")},
        **{n: "parsl-provider-googlecloud" for n in ("googlecloud", "GoogleCloudProvider")},
        **{n: "parsl-provider-azure" for n in ("azure", "AzureProvider")},
    },
    "launcher": {},
    "stager": {
        **{
            n: "parsl-staging-http"
            for n in ("http", "https", "http-in-task", "https-in-task", "HTTPSeparateTaskStaging",
                      "HTTPInTaskStaging")
        },
        **{n: "parsl-staging-ftp" for n in ("ftp", "ftp-in-task", "FTPSeparateTaskStaging", "FTPInTaskStaging")},
        **{n: "parsl-staging-rsync" for n in ("rsync", "RSyncStaging")},
        **{n: "parsl-staging-globus" for n in ("globus", "GlobusStaging")},
    },
    "monitor": {"hub": _MONITORING, "MonitoringHub": _MONITORING},
}

#: Parsl module path -> distribution whose plugin provides it (through ``parsl_module_aliases``).
KNOWN_MODULES: Mapping[str, str] = {
    "parsl.executors.high_throughput": _HTEX,
    "parsl.providers.slurm": "parsl-provider-slurm",
    "parsl.providers.grid_engine": "parsl-provider-gridengine",
    "parsl.providers.pbspro": "parsl-provider-pbspro",
    "parsl.providers.torque": "parsl-provider-torque",
    "parsl.providers.condor": "parsl-provider-condor",
    "parsl.providers.lsf": "parsl-provider-lsf",
    "parsl.providers.aws": "parsl-provider-aws",
    "parsl.providers.kubernetes": "parsl-provider-kubernetes",
    "parsl.providers.googlecloud": "parsl-provider-googlecloud",
    "parsl.providers.azure": "parsl-provider-azure",
    "parsl.data_provider.http": "parsl-staging-http",
    "parsl.data_provider.ftp": "parsl-staging-ftp",
    "parsl.data_provider.rsync": "parsl-staging-rsync",
    "parsl.data_provider.globus": "parsl-staging-globus",
    "parsl.monitoring": _MONITORING,
}


def distribution_for(kind: str, name: str) -> str | None:
    """Return the first-party distribution that provides plugin ``name`` of ``kind``, if any."""
    table = KNOWN_PLUGINS.get(kind, {})
    if name in table:
        return table[name]
    lowered = name.lower()
    for known, dist in table.items():
        if known.lower() == lowered:
            return dist
    return None


def distribution_for_module(module: str) -> str | None:
    """Return the first-party distribution that provides Parsl module path ``module``, if any."""
    for prefix, dist in KNOWN_MODULES.items():
        if module == prefix or module.startswith(prefix + "."):
            return dist
    return None
