"""MPI launcher prefixes for tasks of the MPIExecutor (``$PARSL_MPI_PREFIX`` and friends).

A task's resource specification (``num_nodes``, ``ranks_per_node``, ``num_ranks``,
``launcher_options``) and the nodes given to it become the command-line prefix of each launcher;
``PARSL_MPI_PREFIX`` is the one of the executor's ``mpi_launcher``. Apps write
``f"$PARSL_MPI_PREFIX ./my_mpi_program"``.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

from parsl.executors.errors import InvalidResourceSpecification

VALID_LAUNCHERS = ("srun", "aprun", "mpiexec")
MPI_KEYS = frozenset({"num_nodes", "ranks_per_node", "num_ranks", "launcher_options"})


def validate_resource_spec(spec: dict[str, Any], extra_keys: frozenset[str] = frozenset()) -> None:
    """Check an MPI task's resource specification and fill in the rank count it implies.

    Raises ``InvalidResourceSpecification`` for an empty specification (an MPI task must say how
    many ranks it needs) or for keys outside the MPI keys and ``extra_keys``.
    """
    if not spec:
        raise InvalidResourceSpecification(
            set(), "MPI mode requires parsl_resource_specification with num_nodes and ranks_per_node "
                   "(or num_ranks)")
    invalid = set(spec) - MPI_KEYS - extra_keys
    if invalid:
        raise InvalidResourceSpecification(
            invalid, f"MPI resource specifications accept only {', '.join(sorted(MPI_KEYS | extra_keys))}")
    if "num_nodes" in spec:
        nodes = int(spec["num_nodes"])
        if not spec.get("num_ranks") and spec.get("ranks_per_node"):
            spec["num_ranks"] = nodes * int(spec["ranks_per_node"])
        if not spec.get("ranks_per_node") and spec.get("num_ranks"):
            spec["ranks_per_node"] = int(spec["num_ranks"]) // nodes


def fits_in_block(spec: Mapping[str, Any], nodes_per_block: Optional[int], cores_per_node: Optional[int]) -> None:
    """Raise ``InvalidResourceSpecification`` if a (validated) MPI task cannot fit in one block.

    ``nodes_per_block`` or ``cores_per_node`` None means the block's size is not known: not checked.
    """
    nodes = int(spec.get("num_nodes", 1))
    if nodes_per_block and nodes > nodes_per_block:
        raise InvalidResourceSpecification(
            {"num_nodes"}, f"num_nodes={nodes} is more than the {nodes_per_block} nodes of a block "
                           f"(the provider's nodes_per_block)")
    ranks = spec.get("num_ranks")
    per_node = spec.get("ranks_per_node") or (-(-int(ranks) // nodes) if ranks else None)
    if cores_per_node and per_node and int(per_node) > cores_per_node:
        key = "ranks_per_node" if "ranks_per_node" in spec else "num_ranks"
        raise InvalidResourceSpecification(
            {key}, f"{key}={spec[key]} asks for {per_node} ranks per node, more than the {cores_per_node} "
                   f"cores of a node (the provider's cores_per_node)")


def _join(*parts: Any) -> str:
    return " ".join(str(p) for p in parts if p not in (None, "")).strip()


def compose_all(mpi_launcher: str, spec: Mapping[str, Any], nodes: Sequence[str]) -> dict[str, str]:
    """Environment variables for a task: each launcher's prefix, the chosen one, and the spec."""
    if mpi_launcher not in VALID_LAUNCHERS:
        raise ValueError(f"mpi_launcher {mpi_launcher!r} is not one of {', '.join(VALID_LAUNCHERS)}")
    ranks, per_node, opts = spec.get("num_ranks"), spec.get("ranks_per_node"), spec.get("launcher_options", "")
    hosts = ",".join(nodes)
    env = {
        "PARSL_MPIEXEC_PREFIX": _join("mpiexec", "-n", ranks, "-ppn", per_node, "-hosts", hosts, opts),
        "PARSL_SRUN_PREFIX": _join("srun", "--ntasks", ranks, "--ntasks-per-node", per_node,
                                   "--nodelist", hosts, "--nodes", len(nodes), opts),
        "PARSL_APRUN_PREFIX": _join("aprun", "-n", ranks, "-N", per_node, "-node-list", hosts, opts),
    }
    env["PARSL_MPI_PREFIX"] = env[f"PARSL_{mpi_launcher.upper()}_PREFIX"]
    env["PARSL_MPI_NODELIST"] = hosts
    for key, value in spec.items():
        env[f"PARSL_{key.upper()}"] = str(value)
    return env
