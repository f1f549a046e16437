"""First-party plugin names, the distributions that provide them, and those only planned.

The core consults these tables only to turn "not installed" into "``pip install X``" (or, for a
capability no distribution offers yet, into "planned as X"): plugins are still found through their
entry points, never through these tables.
"""

from __future__ import annotations

from typing import Mapping, NamedTuple

_HTEX = "parsl-executor-htex"
_MONITORING = "parsl-monitoring"


def _names(dist: str, *names: str) -> dict[str, str]:
    return dict.fromkeys(names, dist)


#: kind -> plugin name (short name or Parsl class name) -> distribution of ours that provides it
KNOWN_PLUGINS: Mapping[str, Mapping[str, str]] = {
    "executor": {
        **_names(_HTEX, "htex", "HighThroughputExecutor", "mpi", "MPIExecutor"),
        **_names("parsl-executor-dask", "dask", "DaskExecutor"),
        **_names("parsl-executor-ray", "ray", "RayExecutor"),
        **_names("parsl-executor-globus-compute", "globus_compute", "GlobusComputeExecutor"),
    },
    "provider": {
        **_names("parsl-provider-slurm", "slurm", "SlurmProvider"),
        **_names("parsl-provider-gridengine", "gridengine", "GridEngineProvider"),
        **_names("parsl-provider-pbspro", "pbspro", "PBSProProvider"),
        **_names("parsl-provider-torque", "torque", "TorqueProvider"),
        **_names("parsl-provider-condor", "condor", "CondorProvider"),
        **_names("parsl-provider-lsf", "lsf", "LSFProvider"),
        **_names("parsl-provider-cobalt", "cobalt", "CobaltProvider"),
        **_names("parsl-provider-azure", "azure", "AzureProvider"),
        **_names("parsl-provider-openstack", "openstack", "OpenStackProvider"),
        **_names("parsl-provider-aws", "aws", "AWSProvider"),
        **_names("parsl-provider-googlecloud", "googlecloud", "GoogleCloudProvider"),
        **_names("parsl-provider-kubernetes", "kubernetes", "KubernetesProvider"),
    },
    "launcher": {},
    "stager": {
        **_names("parsl-staging-http", "http", "https", "http-in-task", "https-in-task",
                 "HTTPSeparateTaskStaging", "HTTPInTaskStaging"),
        **_names("parsl-staging-ftp", "ftp", "ftp-in-task", "FTPSeparateTaskStaging", "FTPInTaskStaging"),
        **_names("parsl-staging-rsync", "rsync", "RSyncStaging"),
        **_names("parsl-staging-globus", "globus", "GlobusStaging"),
    },
    "monitor": _names(_MONITORING, "hub", "MonitoringHub"),
    "container_runtime": {
        **_names("parsl-container-podman", "podman", "PodmanRuntime"),
        **_names("parsl-container-docker", "docker", "DockerRuntime"),
        **_names("parsl-container-apptainer", "apptainer", "singularity", "ApptainerRuntime"),
        **_names("parsl-container-shifter", "shifter", "ShifterRuntime"),
        **_names("parsl-container-charliecloud", "charliecloud", "ch-run", "CharliecloudRuntime"),
    },
    "site": _names("parsl-sites", "frontera", "perlmutter", "polaris", "frontier", "delta", "anvil", "expanse",
                   "midway", "osg", "cc-in2p3", "generic-slurm", "generic-pbs", "generic-lsf",
                   "generic-kubernetes", "generic-aws"),
    "channel": _names("parsl-channel-ssh", "ssh", "SSHChannel"),
}

#: Parsl module path -> distribution whose plugin provides it (through ``parsl_module_aliases``).
KNOWN_MODULES: Mapping[str, str] = {
    "parsl.executors.high_throughput": _HTEX,
    "parsl.curvezmq": _HTEX,
    "parsl.executors.dask": "parsl-executor-dask",
    "parsl.executors.ray": "parsl-executor-ray",
    "parsl.executors.globus_compute": "parsl-executor-globus-compute",
    "parsl.providers.slurm": "parsl-provider-slurm",
    "parsl.providers.grid_engine": "parsl-provider-gridengine",
    "parsl.providers.pbspro": "parsl-provider-pbspro",
    "parsl.providers.torque": "parsl-provider-torque",
    "parsl.providers.condor": "parsl-provider-condor",
    "parsl.providers.lsf": "parsl-provider-lsf",
    "parsl.providers.cobalt": "parsl-provider-cobalt",
    "parsl.providers.azure": "parsl-provider-azure",
    "parsl.providers.openstack": "parsl-provider-openstack",
    "parsl.providers.aws": "parsl-provider-aws",
    "parsl.providers.googlecloud": "parsl-provider-googlecloud",
    "parsl.providers.kubernetes": "parsl-provider-kubernetes",
    "parsl.data_provider.http": "parsl-staging-http",
    "parsl.data_provider.ftp": "parsl-staging-ftp",
    "parsl.data_provider.rsync": "parsl-staging-rsync",
    "parsl.data_provider.globus": "parsl-staging-globus",
    "parsl.monitoring": _MONITORING,
    "parsl.channels.ssh": "parsl-channel-ssh",
}


class Planned(NamedTuple):
    """A Parsl capability that no distribution of ours provides yet."""

    distribution: str
    issue: int | None = None

    def explain(self, what: str) -> str:
        where = f" (issue {self.issue})" if self.issue is not None else ""
        return (f"{what} has no distribution yet: it is planned as {self.distribution}{where}; "
                "no released package provides it today")


def _planned(planned: Planned, *names: str) -> dict[str, Planned]:
    return dict.fromkeys(names, planned)


_WORKQUEUE = Planned("parsl-executor-workqueue")
_TASKVINE = Planned("parsl-executor-taskvine")
_FLUX = Planned("parsl-executor-flux")
_RADICAL = Planned("parsl-executor-radical")

#: kind -> plugin name -> the planned distribution. Never listed in ``__all__``.
PLANNED_PLUGINS: Mapping[str, Mapping[str, Planned]] = {
    "executor": {
        **_planned(_WORKQUEUE, "workqueue", "WorkQueueExecutor"),
        **_planned(_TASKVINE, "taskvine", "TaskVineExecutor"),
        **_planned(_FLUX, "flux", "FluxExecutor"),
        **_planned(_RADICAL, "radical", "RadicalPilotExecutor"),
    },
}

#: Parsl module path -> the planned distribution that will serve it.
PLANNED_MODULES: Mapping[str, Planned] = {
    "parsl.executors.workqueue": _WORKQUEUE,
    "parsl.executors.taskvine": _TASKVINE,
    "parsl.executors.flux": _FLUX,
    "parsl.executors.radical": _RADICAL,
}


def _lookup(table: Mapping[str, Mapping[str, object]], kind: str, name: str) -> object | None:
    names = table.get(kind, {})
    if name in names:
        return names[name]
    lowered = name.lower()
    return next((v for k, v in names.items() if k.lower() == lowered), None)


def distribution_for(kind: str, name: str) -> str | None:
    """Return the first-party distribution that provides plugin ``name`` of ``kind``, if any."""
    found = _lookup(KNOWN_PLUGINS, kind, name)
    return found if isinstance(found, str) else None


def planned_for(kind: str, name: str) -> Planned | None:
    """Return the planned distribution for plugin ``name`` of ``kind`` that nothing provides yet."""
    found = _lookup(PLANNED_PLUGINS, kind, name)
    return found if isinstance(found, Planned) else None


def _by_prefix(table: Mapping[str, object], module: str) -> object | None:
    return next((v for prefix, v in table.items() if module == prefix or module.startswith(prefix + ".")), None)


def distribution_for_module(module: str) -> str | None:
    """Return the first-party distribution that provides Parsl module path ``module``, if any."""
    found = _by_prefix(KNOWN_MODULES, module)
    return found if isinstance(found, str) else None


def planned_for_module(module: str) -> Planned | None:
    """Return the planned distribution for Parsl module path ``module``, if nothing provides it yet."""
    found = _by_prefix(PLANNED_MODULES, module)
    return found if isinstance(found, Planned) else None

_HTEX_INTERNAL = "an internal module of Parsl's HighThroughputExecutor; parsl-executor-htex is built differently"
_NO_RADIOS = ("monitoring here needs no radios: worker reports travel inside task results "
              "(remote_monitoring_radio= is accepted and ignored)")

_CLOUD_SCRIPT = ("a cloud VM's start-up script is written by the core's parsl.providers.cloud.script.startup_script "
                 "for every cloud provider")

#: Parsl module paths whose job is done differently here -> what replaces them. Their import fails
#: with that explanation; docs/compatibility.md lists them. A plugin that serves one takes precedence.
REPLACED_MODULES: Mapping[str, str] = {
    "parsl.executors.high_throughput.zmq_pipes": f"{_HTEX_INTERNAL} (its client is parsl_executor_htex.client)",
    "parsl.executors.high_throughput.probe": f"{_HTEX_INTERNAL} (pools probe addresses in process_worker_pool)",
    "parsl.executors.high_throughput.manager_record": f"{_HTEX_INTERNAL} (see parsl_executor_htex.interchange)",
    "parsl.executors.high_throughput.monitoring_info": f"{_HTEX_INTERNAL}; {_NO_RADIOS}",
    **dict.fromkeys(("parsl.monitoring.radios.zmq", "parsl.monitoring.radios.udp_router",
                     "parsl.monitoring.radios.zmq_router", "parsl.monitoring.radios.filesystem_router"),
                    f"{_NO_RADIOS}; the radio configurations are in parsl.monitoring.radios"),
    "parsl.monitoring.message_type": _NO_RADIOS,
    "parsl.monitoring.types": _NO_RADIOS,
    "parsl.monitoring.remote": "worker-side monitoring is parsl_monitoring.worker, applied through Monitor.wrap_task",
    "parsl.monitoring.db_manager": "the database is written by one writer process, parsl_monitoring.writer",
    # parsl.monitoring.visualization.app (cli_run) is served by parsl-monitoring; the Flask modules are not
    "parsl.monitoring.visualization": "the web UI is parsl_monitoring.dashboard, started by parsl-visualize",
    "parsl.providers.aws.template": _CLOUD_SCRIPT,
    "parsl.providers.azure.template": _CLOUD_SCRIPT,
}


def replacement_for_module(module: str) -> str | None:
    """Say what replaces Parsl module path ``module`` here, if it is one done differently."""
    found = _by_prefix(REPLACED_MODULES, module)
    return found if isinstance(found, str) else None
