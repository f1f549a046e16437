"""Real MPI programs (C compiled with MPICH's ``mpicc``, and mpi4py) launched by ``bash_app``s of the
MPIExecutor on a real Slurm block of two (fake) nodes, through ``srun`` and through ``mpiexec``.

Needs ``.ci/services/mpi.sh start`` (MPICH, mpi4py) and Slurm installed; the ``private_slurm``
fixture starts the two-node cluster. Every rank reports its rank, the world size and its node.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import pytest

import parsl
from parsl import bash_app
from parsl.config import Config
from parsl.executors.errors import InvalidResourceSpecification
from parsl.launchers.launchers import SimpleLauncher
from parsl.testing.providers import require_service
from parsl_executor_htex.mpi_executor import MPIExecutor
from parsl_provider_slurm.slurm import SlurmProvider

if TYPE_CHECKING:
    from conftest import PrivateSlurm

HERE = Path(__file__).parent / "mpi"
#: The Python that mpi4py was built for by .ci/services/mpi.sh (an MPI application's own environment).
MPI4PY_PYTHON = Path(os.environ.get("MPI_CI_VENV", "/var/cache/ci-mpi/mpi4py")) / "bin" / "python"
#: A rank's report; not anchored to line starts, since the launcher may join two ranks' lines.
RANK_LINE = re.compile(r"rank (\d+) of (\d+) on (\S+?) sum (\d+)")


@bash_app
def mpi_run(program: str, stdout: str, stderr: str, parsl_resource_specification: dict) -> str:
    # ranks report the node Slurm started them (or mpiexec's proxy) on; mpiexec would otherwise hand
    # every rank its own copy, the batch step's first node
    return f"unset SLURMD_NODENAME; $PARSL_MPI_PREFIX {program}"


@pytest.fixture(scope="module")
def hello_c(tmp_path_factory: pytest.TempPathFactory) -> str:
    require_service(f"command -v mpicc && {MPI4PY_PYTHON} -c 'import mpi4py.MPI'", "MPICH and mpi4py",
                    "Install them with `sudo .ci/services/mpi.sh start`.")
    binary = tmp_path_factory.mktemp("mpi") / "hello"
    subprocess.run(["mpicc", "-O2", "-o", str(binary), str(HERE / "hello.c")], check=True, timeout=120)
    return str(binary)


@pytest.fixture(scope="module", params=["srun", "mpiexec"])
def mpi_executor(request: pytest.FixtureRequest, _private_cluster: PrivateSlurm,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[MPIExecutor]:
    """A loaded MPIExecutor whose one block is a Slurm job on both nodes, running two tasks at once
    (one per launcher, shared by this module's tests)."""
    provider = SlurmProvider(nodes_per_block=2, cores_per_node=os.cpu_count(), exclusive=True,
                             launcher=SimpleLauncher(), walltime="00:10:00", cmd_timeout=60,
                             # workers import this module: the app is pickled by reference
                             worker_init=f"export PATH={os.path.dirname(sys.executable)}:$PATH "
                                         f"PYTHONPATH={Path(__file__).parent}:$PYTHONPATH")
    provider.polling_interval = 1
    executor = MPIExecutor(label=f"mpi_{request.param}", provider=provider, max_workers_per_block=2,
                           mpi_launcher=request.param)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SLURM_CONF", str(_private_cluster.conf))
        dfk = parsl.load(Config(executors=[executor], run_dir=str(tmp_path_factory.mktemp("runinfo"))))
        try:
            yield executor
        finally:
            dfk.cleanup()


def ranks(out: Path, err: Path) -> list[tuple[int, int, str]]:
    """(rank, size, node) of every rank's line, checking that all ranks agree on the sum."""
    found = [m.groups() for m in RANK_LINE.finditer(out.read_text())]
    assert found, f"no rank reported; stdout: {out.read_text()!r} stderr: {err.read_text()!r}"
    size = int(found[0][1])
    assert {int(total) for *_, total in found} == {size * (size - 1) // 2}, found
    return sorted((int(rank), int(size), node) for rank, size, node, _ in found)


def test_an_mpi_program_spans_the_block_s_nodes(mpi_executor: MPIExecutor, hello_c: str, tmp_path: Path) -> None:
    spec = {"num_nodes": 2, "ranks_per_node": 2}
    runs = {"c": hello_c, "mpi4py": f"{MPI4PY_PYTHON} {HERE / 'hello_mpi4py.py'}"}
    for name, program in runs.items():
        out, err = tmp_path / f"{name}.out", tmp_path / f"{name}.err"
        mpi_run(program, stdout=str(out), stderr=str(err), parsl_resource_specification=spec).result(timeout=300)
        assert ranks(out, err) == [(0, 4, "n1"), (1, 4, "n1"), (2, 4, "n2"), (3, 4, "n2")], name


def test_two_mpi_tasks_that_fit_share_the_block_at_the_same_time(mpi_executor: MPIExecutor, hello_c: str,
                                                                  tmp_path: Path) -> None:
    script, meet = HERE / "hello_mpi4py.py", tmp_path / "meet"
    spec = {"num_nodes": 1, "ranks_per_node": 2}
    files = [(tmp_path / f"{i}.out", tmp_path / f"{i}.err") for i in (0, 1)]
    futures = [mpi_run(f"{MPI4PY_PYTHON} {script} --meet {meet}{i} {meet}{1 - i}", stdout=str(out), stderr=str(err),
                       parsl_resource_specification=spec)
               for i, (out, err) in enumerate(files)]
    for future in futures:
        future.result(timeout=300)  # each waited for the other: they ran at the same time
    placed = [ranks(out, err) for out, err in files]
    nodes = [{node for *_, node in task} for task in placed]
    assert sorted(map(sorted, nodes)) == [["n1"], ["n2"]], placed  # one node each, of the same block
    assert all([(r, s) for r, s, _ in task] == [(0, 2), (1, 2)] for task in placed), placed
    assert len(mpi_executor.blocks_to_job_id) == 1


def test_a_task_bigger_than_the_block_fails_at_submit(mpi_executor: MPIExecutor, hello_c: str,
                                                      tmp_path: Path) -> None:
    too_big = {"num_nodes": ({"num_nodes": 3, "ranks_per_node": 1}, "more than the 2 nodes of a block"),
               "ranks_per_node": ({"num_nodes": 1, "ranks_per_node": 64}, "more than the")}
    for key, (spec, words) in too_big.items():
        future = mpi_run(hello_c, stdout=str(tmp_path / f"{key}.out"), stderr=str(tmp_path / f"{key}.err"),
                         parsl_resource_specification=spec)
        with pytest.raises(InvalidResourceSpecification, match=f"{key}=.*{words}") as info:
            future.result(timeout=60)
        assert info.value.invalid_keys == {key}
        assert not (tmp_path / f"{key}.out").exists(), "the task ran although it cannot fit"
