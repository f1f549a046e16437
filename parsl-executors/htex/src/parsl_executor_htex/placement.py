"""Where each worker of a node runs: how many workers, which CPUs, which accelerator.

Pure functions of the node's resources and the executor's settings, used by the worker pool
when it starts its workers (and by tests without any process).
"""

from __future__ import annotations

import math
import os
import shutil
from typing import Optional, Sequence

AFFINITY_STRATEGIES = ("none", "block", "alternating", "block-reverse")


def node_cores() -> int:
    """CPUs this process may use (``$PARSL_CORES`` when the provider set it)."""
    if os.environ.get("PARSL_CORES"):
        return int(os.environ["PARSL_CORES"])
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def node_memory_gb() -> float:
    """Memory of the node in GB (``$PARSL_MEMORY_GB`` when the provider set it)."""
    if os.environ.get("PARSL_MEMORY_GB"):
        return float(os.environ["PARSL_MEMORY_GB"])
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def node_resources(workdir: str) -> tuple[float, float, float]:
    """What a pool may reserve for tasks: ``(cores, memory MB, disk MB)``.

    Cores and memory are the node's as counted for the number of workers; disk is the free
    space of ``workdir`` (the pool's working directory) when the pool starts.
    """
    return float(node_cores()), node_memory_gb() * 1024, shutil.disk_usage(workdir).free / 2**20


def worker_count(*, cores_per_worker: float, mem_per_worker: Optional[float],
                 max_workers_per_node: Optional[float], accelerators: Sequence[str],
                 cores: Optional[int] = None, memory_gb: Optional[float] = None) -> int:
    """Parsl's rule: the least of the cap, cores/cores_per_worker, memory/mem_per_worker, accelerators."""
    limits = [math.floor((node_cores() if cores is None else cores) / cores_per_worker)]
    if max_workers_per_node is not None and max_workers_per_node != float("inf"):
        limits.append(int(max_workers_per_node))
    if mem_per_worker:
        limits.append(math.floor((node_memory_gb() if memory_gb is None else memory_gb) / mem_per_worker))
    if accelerators:
        limits.append(len(accelerators))
    return max(1, min(limits))


def validate_affinity(strategy: str) -> None:
    """Raise ValueError naming the accepted forms when ``strategy`` is not one of them."""
    if strategy in AFFINITY_STRATEGIES:
        return
    if strategy.startswith("list:"):
        for group in strategy.split(":")[1:]:
            _parse_cpu_list(group, strategy)
        return
    raise ValueError(f"cpu_affinity {strategy!r} is not one of {', '.join(AFFINITY_STRATEGIES)} "
                     "or 'list:<cpus of worker 0>:<cpus of worker 1>...' (e.g. 'list:0-1:2,3')")


def _parse_cpu_list(group: str, strategy: str) -> list[int]:
    cpus: list[int] = []
    for part in group.split(","):
        bounds = part.split("-")
        if not all(b.strip().isdigit() for b in bounds) or len(bounds) > 2:
            raise ValueError(f"cpu_affinity {strategy!r}: {part!r} is not a CPU number or range")
        cpus.extend(range(int(bounds[0]), int(bounds[-1]) + 1))
    return cpus


def worker_cpus(strategy: str, rank: int, count: int,
                available: Optional[Sequence[int]] = None) -> Optional[list[int]]:
    """The CPUs worker ``rank`` of ``count`` is pinned to, or None for no pinning."""
    if strategy == "none":
        return None
    if strategy.startswith("list:"):
        groups = strategy.split(":")[1:]
        if len(groups) != count:
            raise ValueError(f"cpu_affinity {strategy!r} lists {len(groups)} CPU sets for {count} workers")
        return _parse_cpu_list(groups[rank], strategy)
    cpus = sorted(available if available is not None else os.sched_getaffinity(0))
    per = len(cpus) // count
    if per == 0:
        raise ValueError(f"cpu_affinity {strategy!r}: {count} workers but only {len(cpus)} CPUs")
    if strategy == "block":
        return cpus[per * rank:per * (rank + 1)]
    if strategy == "block-reverse":
        r = count - rank - 1
        return cpus[per * r:per * (r + 1)]
    if strategy == "alternating":
        return cpus[rank::count]
    validate_affinity(strategy)
    raise AssertionError("unreachable")


def worker_env(*, rank: int, count: int, pool_id: str, block_id: str,
               accelerator: Optional[str], cpus: Optional[Sequence[int]]) -> dict[str, str]:
    """Environment variables a worker process gets on top of the pool's."""
    env = {
        "PARSL_WORKER_RANK": str(rank),
        "PARSL_WORKER_COUNT": str(count),
        "PARSL_WORKER_POOL_ID": pool_id,
        "PARSL_WORKER_BLOCK_ID": block_id,
    }
    if cpus is not None:
        proc_list = ",".join(map(str, cpus))
        env.update(OMP_NUM_THREADS=str(len(cpus)), GOMP_CPU_AFFINITY=proc_list,
                   KMP_AFFINITY=f"explicit,proclist=[{proc_list}]")
    if accelerator is not None:
        env.update(CUDA_VISIBLE_DEVICES=accelerator, ROCR_VISIBLE_DEVICES=accelerator,
                   ZE_AFFINITY_MASK=accelerator, ZE_ENABLE_PCI_ID_DEVICE_ORDER="1")
    return env
