"""Pure parts: worker placement, the wire format, MPI prefixes, manager ordering."""

from __future__ import annotations

import pickle
import struct
from types import SimpleNamespace

import pytest

from parsl.executors.errors import InvalidResourceSpecification
from parsl_executor_htex import placement, wire
from parsl_executor_htex.errors import InterchangeLost, ManagerLost, WorkerLost
from parsl_executor_htex.manager_selector import BlockIdManagerSelector, RandomManagerSelector
from parsl_executor_htex.mpi_prefix_composer import compose_all, fits_in_block, validate_resource_spec
from parsl_executor_htex.mpi_resource_management import MPINodesUnavailable, NodePool


def test_worker_count_is_the_least_of_the_limits() -> None:
    kw = dict(cores=8, memory_gb=16.0, accelerators=[])
    assert placement.worker_count(cores_per_worker=1, mem_per_worker=None, max_workers_per_node=None, **kw) == 8
    assert placement.worker_count(cores_per_worker=2, mem_per_worker=None, max_workers_per_node=None, **kw) == 4
    assert placement.worker_count(cores_per_worker=1, mem_per_worker=5, max_workers_per_node=None, **kw) == 3
    assert placement.worker_count(cores_per_worker=1, mem_per_worker=None, max_workers_per_node=2, **kw) == 2
    assert placement.worker_count(cores_per_worker=1, mem_per_worker=None, max_workers_per_node=None,
                                  cores=8, memory_gb=16.0, accelerators=["0", "1", "2"]) == 3
    assert placement.worker_count(cores_per_worker=16, mem_per_worker=None, max_workers_per_node=None, **kw) == 1


@pytest.mark.parametrize("strategy, expected", [
    ("block", [[0, 1], [2, 3]]),
    ("block-reverse", [[2, 3], [0, 1]]),
    ("alternating", [[0, 2], [1, 3]]),
    ("list:0-1:2,3", [[0, 1], [2, 3]]),
    ("none", [None, None]),
])
def test_cpu_affinity_strategies(strategy: str, expected: list) -> None:
    assert [placement.worker_cpus(strategy, r, 2, available=[0, 1, 2, 3]) for r in range(2)] == expected


def test_cpu_affinity_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match="lists 1 CPU sets for 2 workers"):
        placement.worker_cpus("list:0", 0, 2)
    with pytest.raises(ValueError, match="not a CPU number"):
        placement.validate_affinity("list:a-b")
    with pytest.raises(ValueError, match="3 workers but only 2 CPUs"):
        placement.worker_cpus("block", 0, 3, available=[0, 1])


def test_worker_environment_binds_accelerator_and_cpus() -> None:
    env = placement.worker_env(rank=1, count=2, pool_id="p", block_id="7", accelerator="3", cpus=[2, 3])
    assert env["CUDA_VISIBLE_DEVICES"] == env["ROCR_VISIBLE_DEVICES"] == env["ZE_AFFINITY_MASK"] == "3"
    assert (env["PARSL_WORKER_RANK"], env["PARSL_WORKER_COUNT"], env["PARSL_WORKER_BLOCK_ID"]) == ("1", "2", "7")
    assert (env["OMP_NUM_THREADS"], env["GOMP_CPU_AFFINITY"]) == ("2", "2,3")
    plain = placement.worker_env(rank=0, count=1, pool_id="p", block_id="0", accelerator=None, cpus=None)
    assert "CUDA_VISIBLE_DEVICES" not in plain and "OMP_NUM_THREADS" not in plain


def test_task_batches_round_trip_with_priorities_and_resources() -> None:
    res = wire.pack_resources({"cores": 2, "running_time": 1.5})
    tasks = [wire.Task(1.5, 7, b"", b"abc", b""), wire.Task(float("inf"), 8, b'{"a": 1}', b"", res),
             wire.Task(-2.0, 9, b"x", b"y" * 70000, b"")]
    frame = wire.pack_tasks(tasks)
    assert frame[:1] == wire.TASKS
    assert [wire.Task(*map(_plain, t)) for t in wire.unpack_tasks(frame)] == tasks
    assert wire.unpack_resources(res) == wire.Resources(cores=2.0, memory=wire.NOT_GIVEN, disk=wire.NOT_GIVEN,
                                                        running_time=1.5)
    assert wire.unpack_resources(res).need((0.5, 100.0)) == (2.0, 100.0, 0.0)
    assert wire.pack_resources({"priority": 3}) == b""


def test_task_frame_layout_is_the_documented_one() -> None:
    """Decode a TASKS frame by the layout the ``wire`` docstring gives, independently of ``unpack_tasks``."""
    res = wire.pack_resources({"memory": 512})
    frame = wire.pack_tasks([wire.Task(3.0, 41, b"{}", b"buf", res), wire.Task(wire.NO_PRIORITY, 42, b"", b"b2", b"")])
    assert frame[:1] == b"T" and struct.unpack_from("=I", frame, 1) == (2,)
    heads = list(struct.iter_unpack("=qdIIB", frame[5:5 + 2 * 25]))
    assert heads == [(41, 3.0, 2, 3, 32), (42, wire.NO_PRIORITY, 0, 2, 0)]
    assert frame[55:] == b"{}" + b"buf" + struct.pack("=dddd", -1.0, 512.0, -1.0, -1.0) + b"b2"


def test_result_frame_layout_is_the_documented_one() -> None:
    frame = wire.pack_results([5, 6], bytes([wire.OK, wire.TIMEOUT]), [b"ab", b"c"])
    ids, kinds, lengths = struct.pack("=qq", 5, 6), bytes([0, 3]), struct.pack("=II", 2, 1)
    assert frame == b"R" + struct.pack("=I", 2) + ids + kinds + lengths + b"abc"
    assert [r.tid for r in wire.unpack_results(frame)] == [5, 6]
    assert [r.kind for r in wire.unpack_results(frame)] == [wire.OK, wire.TIMEOUT]


def _plain(value: object) -> object:
    return bytes(value) if isinstance(value, memoryview) else value


def test_result_batches_round_trip_and_merge() -> None:
    a = wire.pack_results([1, 2], bytes([wire.OK, wire.EXCEPTION]), [b"one", b""])
    b = wire.pack_results([3], bytes([wire.WORKER_LOST]), [b"three" * 1000])
    assert list(wire.result_ids(a)) == [1, 2]
    merged = wire.merge_results([a, b])
    assert [(r.tid, r.kind, bytes(r.payload)) for r in wire.unpack_results(merged)] == [
        (1, wire.OK, b"one"), (2, wire.EXCEPTION, b""), (3, wire.WORKER_LOST, b"three" * 1000)]
    assert wire.merge_results([a]) is a


def test_tcp_urls_bracket_ipv6() -> None:
    assert wire.tcp_url("::1", 5) == "tcp://[::1]:5"
    assert wire.tcp_url("127.0.0.1", 5) == "tcp://127.0.0.1:5"
    assert wire.tcp_url("*") == "tcp://*"


def test_errors_pickle_and_explain() -> None:
    for exc in (ManagerLost(b"abc", "node1", "missed heartbeats"), WorkerLost(3, "node1", -9),
                InterchangeLost(42, -9, "/x/interchange.log")):
        again = pickle.loads(pickle.dumps(exc))
        assert str(again) == str(exc)
    assert "SIGKILL" in str(InterchangeLost(42, -9, "/x/interchange.log"))
    assert "exit code -9" in str(WorkerLost(3, "node1", -9))
    assert "abc" in str(ManagerLost(b"abc", "node1"))


def test_mpi_prefixes_for_each_launcher() -> None:
    spec = {"num_nodes": 2, "ranks_per_node": 4}
    validate_resource_spec(spec)
    assert spec["num_ranks"] == 8
    env = compose_all("srun", spec, ["n1", "n2"])
    assert env["PARSL_MPI_PREFIX"] == env["PARSL_SRUN_PREFIX"] == \
        "srun --ntasks 8 --ntasks-per-node 4 --nodelist n1,n2 --nodes 2"
    assert env["PARSL_MPIEXEC_PREFIX"] == "mpiexec -n 8 -ppn 4 -hosts n1,n2"
    assert env["PARSL_APRUN_PREFIX"] == "aprun -n 8 -N 4 -node-list n1,n2"
    assert compose_all("aprun", spec, ["n1"])["PARSL_MPI_PREFIX"].startswith("aprun")
    assert (env["PARSL_NUM_RANKS"], env["PARSL_MPI_NODELIST"]) == ("8", "n1,n2")


def test_mpi_resource_specifications_are_checked() -> None:
    with pytest.raises(InvalidResourceSpecification, match="requires"):
        validate_resource_spec({})
    with pytest.raises(InvalidResourceSpecification) as info:
        validate_resource_spec({"num_nodes": 1, "cores": 2})
    assert info.value.invalid_keys == {"cores"}


@pytest.mark.parametrize("spec, key, words", [
    ({"num_nodes": 3, "ranks_per_node": 1}, "num_nodes", "num_nodes=3 is more than the 2 nodes of a block"),
    ({"num_nodes": 2, "ranks_per_node": 5}, "ranks_per_node", "ranks_per_node=5 asks for 5 ranks per node"),
    ({"num_ranks": 5}, "num_ranks", "num_ranks=5 asks for 5 ranks per node, more than the 4 cores"),
])
def test_an_mpi_task_bigger_than_a_block_is_refused_naming_the_key(spec: dict, key: str, words: str) -> None:
    validate_resource_spec(spec)
    with pytest.raises(InvalidResourceSpecification, match=words) as info:
        fits_in_block(spec, nodes_per_block=2, cores_per_node=4)
    assert info.value.invalid_keys == {key}


def test_an_mpi_task_that_fits_or_a_block_of_unknown_size_is_accepted() -> None:
    fits_in_block({"num_nodes": 2, "ranks_per_node": 4, "num_ranks": 8}, nodes_per_block=2, cores_per_node=4)
    fits_in_block({"num_ranks": 64}, nodes_per_block=1, cores_per_node=None)


def test_node_pool_hands_out_and_takes_back_nodes() -> None:
    pool = NodePool(["a", "b", "c"])
    assert pool.take(2) == ["a", "b"]
    assert pool.take(2) is None
    pool.give_back(["a", "b"])
    assert sorted(pool.take(3) or []) == ["a", "b", "c"]
    with pytest.raises(MPINodesUnavailable, match="requested 4 nodes but the block has only 3"):
        pool.take(4)


def test_manager_selectors() -> None:
    records = {b"m1": SimpleNamespace(block_id="2"), b"m2": SimpleNamespace(block_id="0"),
               b"m3": SimpleNamespace(block_id="10")}
    assert BlockIdManagerSelector().sort_managers(records, set(records)) == [b"m2", b"m1", b"m3"]
    assert sorted(RandomManagerSelector().sort_managers(records, set(records))) == [b"m1", b"m2", b"m3"]


def test_pools_of_short_tasks_get_automatic_prefetch() -> None:
    from parsl_executor_htex.interchange import SHORT_TASK, SHORT_TASK_PREFETCH, ManagerRecord

    rec = ManagerRecord(b"m", {"block_id": "0", "worker_count": 2, "prefetch_capacity": 1}, now=0.0)
    assert rec.limit() == 3  # nothing known yet: workers + prefetch_capacity, as in Parsl
    rec.sent([1, 2], 0.0)
    rec.finished([1, 2], arrived=SHORT_TASK / 10)
    assert rec.tasks == {} and rec.limit() == 3 + SHORT_TASK_PREFETCH * 2
    rec.sent([3], 0.0)
    rec.finished([3], arrived=100.0)  # one long task is enough to stop it
    assert rec.limit() == 3


def test_the_automatic_prefetch_holds_about_40_ms_of_work_per_worker() -> None:
    from parsl_executor_htex.interchange import PREFETCH_WORK, SHORT_TASK, ManagerRecord

    assert PREFETCH_WORK == 0.04
    rec = ManagerRecord(b"m", {"block_id": "0", "worker_count": 2}, now=0.0)
    rec.sent([1], 0.0)
    rec.finished([1], arrived=0.005)  # 5 ms tasks: 8 more per worker
    assert rec.limit() == 2 + 8 * 2
    rec.mean_duration = SHORT_TASK * 0.99  # just under the threshold: 4 more per worker
    assert rec.limit() == 2 + 4 * 2


def test_the_wait_behind_prefetched_tasks_is_not_counted_as_task_time() -> None:
    """A saturated pool of two workers holding 20 no-op-like tasks: each takes 1 ms, though the
    last one sent waits 10 ms for its result."""
    from parsl_executor_htex.interchange import SHORT_TASK, ManagerRecord

    rec = ManagerRecord(b"m", {"block_id": "0", "worker_count": 2}, now=0.0)
    rec.sent(range(1, 21), 0.0)
    assert [rec.tasks[t][1] for t in (1, 2, 3, 4, 5, 20)] == [1, 1, 2, 2, 3, 10]
    for tid in range(1, 21):  # two at a time, 1 ms apart
        rec.finished([tid], arrived=0.001 * ((tid + 1) // 2))
    assert rec.mean_duration == pytest.approx(0.001)
    assert 20 * 0.001 / 2 >= SHORT_TASK  # what the last task waited: counted, it would look long


def test_a_result_read_late_counts_from_when_the_socket_was_last_empty() -> None:
    """Results that waited unread while the interchange was busy do not make tasks look long."""
    from parsl_executor_htex.interchange import SHORT_TASK, SHORT_TASK_PREFETCH, ManagerRecord

    rec = ManagerRecord(b"m", {"block_id": "0", "worker_count": 2}, now=0.0)
    rec.sent([1, 2], 5.0)
    rec.finished([1, 2], arrived=4.0)  # sent after the socket was last seen empty: no time at all
    assert rec.mean_duration == 0.0 and rec.limit() == 2 + SHORT_TASK_PREFETCH * 2
    rec.sent([3], 5.0)
    rec.finished([3], arrived=5.0 + 100 * SHORT_TASK)
    assert rec.limit() == 2
