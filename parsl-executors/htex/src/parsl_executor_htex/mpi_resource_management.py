"""The nodes of an MPI block, handed out to tasks by the worker pool of the MPIExecutor."""

from __future__ import annotations

import os
import socket
import subprocess
from typing import Optional

from parsl_executor_htex.errors import error


@error
class MPINodesUnavailable(Exception):
    """A task asked for more nodes than the whole block has."""

    requested: int
    available: int

    def __str__(self) -> str:
        return f"MPI task requested {self.requested} nodes but the block has only {self.available}"


def nodes_in_batch_job() -> list[str]:
    """The hostnames of the batch job this pool runs in (PBS, Slurm), or this host alone."""
    nodefile = os.environ.get("PBS_NODEFILE")
    if nodefile and os.path.exists(nodefile):
        with open(nodefile) as f:
            return list(dict.fromkeys(line.strip() for line in f if line.strip()))
    nodelist = os.environ.get("SLURM_NODELIST") or os.environ.get("SLURM_JOB_NODELIST")
    if nodelist:
        try:
            out = subprocess.run(["scontrol", "show", "hostnames", nodelist], capture_output=True,
                                 text=True, timeout=30, check=True).stdout
            return out.split()
        except (OSError, subprocess.SubprocessError):
            return nodelist.split(",")
    return [socket.gethostname()]


class NodePool:
    """Free nodes of the block; ``take`` returns None while a task must wait for nodes."""

    def __init__(self, nodes: list[str]) -> None:
        self.all = list(nodes)
        self.free = list(nodes)

    def take(self, count: int) -> Optional[list[str]]:
        if count > len(self.all):
            raise MPINodesUnavailable(count, len(self.all))
        if count > len(self.free):
            return None
        taken, self.free = self.free[:count], self.free[count:]
        return taken

    def give_back(self, nodes: list[str]) -> None:
        self.free.extend(nodes)
