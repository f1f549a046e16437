"""CWL ``ResourceRequirement`` -> ``parsl_resource_specification``.

cwltool evaluates the requirement (expressions included) into the job's ``builder.resources``:
``cores``, ``ram`` (MiB), ``tmpdirSize`` and ``outdirSize`` (MiB). Parsl names them ``cores``,
``memory`` (MB) and ``disk`` (MB). Only a tool that states a ResourceRequirement sends one:
cwltool's defaults (1 core, 256 MiB, 1 GiB + 1 GiB) are not a request, and would only make an
executor that reserves resources hold back tasks that never asked for anything.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

#: MiB (CWL) -> MB (Parsl's memory and disk figures).
_MIB_IN_MB = 1.048576


def resource_specification(job: Any) -> dict[str, float]:
    """The Parsl resource specification of a cwltool job (empty when the tool asked for nothing)."""
    requirement, _ = job.get_requirement("ResourceRequirement")
    if requirement is None:
        return {}
    return from_resources(job.builder.resources)


def from_resources(resources: Mapping[str, Any]) -> dict[str, float]:
    """Map cwltool's evaluated resources onto Parsl's names and units."""
    spec: dict[str, float] = {"cores": float(resources["cores"]),
                              "memory": math.ceil(resources["ram"] * _MIB_IN_MB)}
    disk = resources.get("tmpdirSize", 0) + resources.get("outdirSize", 0)
    if disk:
        spec["disk"] = math.ceil(disk * _MIB_IN_MB)
    return spec


def accepts_resource_specification(executor: Any) -> bool:
    """Whether ``executor`` takes resource requests: every executor but the thread pool, which
    refuses any (HTEX and the engine executors check them key by key)."""
    from parsl.executors.threads import ThreadPoolExecutor

    return not isinstance(executor, ThreadPoolExecutor)
