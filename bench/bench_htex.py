"""Benchmark of the HighThroughputExecutor against real Parsl's and Dask's, measured by the same script.

    python bench/bench_htex.py [--parsl-python /path/to/venv-with-real-parsl-and-dask/bin/python]

Runs every measurement in this interpreter with whichever ``parsl`` it imports (ours has
``parsl.plugins``), then, with ``--parsl-python``, runs this same script under that interpreter
(real Parsl, plus Dask when installed there) and prints the ratios. One JSON line per
measurement; the last line holds the ratios and the issue's targets.

Setup on both sides: ``HighThroughputExecutor(max_workers_per_node=2)`` on a ``LocalProvider``
with one block, every other setting at its default (so CurveZMQ on, prefetch 0, strategy
'simple' with its 5 s period). Dask: ``LocalCluster(n_workers=2, threads_per_worker=1)``.
The stdlib ``ProcessPoolExecutor(2)`` is measured in our run.

  load_to_first_result   s from ``parsl.load`` (Dask: cluster creation) to the first no-op result
  noop_throughput        tasks/s for N no-op tasks submitted at once, then all awaited
  roundtrip              median ms of one no-op task, submitted and awaited alone (200 times)
  chain                  tasks/s along a chain of CHAIN tasks, each taking the previous future
  bash_throughput        tasks/s for --bash-tasks ``bash_app`` tasks running ``true``, submitted at once
                         (not on Dask)

Our side also measures the stdlib ``ProcessPoolExecutor(2)`` (no-op throughput and round trip);
with ``--rounds`` > 1 our HTEX and the pool alternate, so both see the same background load;
the ratios line gives HTEX / pool from the best of each over all rounds, per round, and the
median of the per-round ratios. ``noop_throughput`` records also carry ``cpu_us_per_task``: the
CPU time (user + system) of this process and all its descendants (interchange, pools, workers)
per task, the median over the repeats (steadier than wall time on a busy machine; needs psutil).

``--compare-python`` (an interpreter with another version of our HTEX, e.g. main's) runs that
HTEX's load, no-op throughput and round trip in each round too, between ours and the pool
(``system`` "htex_compared"), and the ratios line adds ours / it per round and their medians.

Each measure but the first is the best of ``--repeat`` runs, on both sides alike (the machine
is shared, and the best run is the one least disturbed by other work).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable


def implementation() -> str:
    """Which Parsl this interpreter imports: ours (has ``parsl.plugins``) or the original."""
    return "parsl-core" if importlib.util.find_spec("parsl.plugins") is not None else "parsl"


#: Every record emitted by this process, for the ratios line.
RECORDS: list[dict] = []


def emit(system: str, measure: str, value: float, unit: str, **extra: Any) -> dict:
    record = {"impl": implementation(), "system": system, "measure": measure, "value": round(value, 6),
              "unit": unit, **extra}
    print(json.dumps(record), flush=True)
    RECORDS.append(record)
    return record


def noop() -> None:
    return None


def true_command() -> str:
    return "true"


def inc(x: int) -> int:
    return x + 1


def _cpu_seconds() -> float:
    """CPU time (user + system) of this process and its live descendants; 0 without psutil."""
    try:
        import psutil
    except ImportError:
        return 0.0
    total = 0.0
    me = psutil.Process()
    for p in [me, *me.children(recursive=True)]:
        try:
            t = p.cpu_times()
        except psutil.Error:
            continue
        total += t.user + t.system
    return total


def _throughput(submit: Callable[[], Any], wait: Callable[[list], Any], n: int) -> tuple[float, float]:
    """Tasks/s for ``n`` tasks submitted at once, and the CPU µs they cost per task."""
    cpu = _cpu_seconds()
    start = time.perf_counter()
    futures = [submit() for _ in range(n)]
    wait(futures)
    rate = n / (time.perf_counter() - start)
    return rate, (_cpu_seconds() - cpu) / n * 1e6


def _best_throughput(submit: Callable[[], Any], wait: Callable[[list], Any], n: int, repeat: int
                     ) -> tuple[float, dict[str, Any]]:
    """The best rate of ``repeat`` runs, and the median CPU per task as a record field."""
    runs = [_throughput(submit, wait, n) for _ in range(repeat)]
    cpu = statistics.median(c for _, c in runs)
    return max(r for r, _ in runs), {"cpu_us_per_task": round(cpu, 1)} if cpu > 0 else {}


def _roundtrip_ms(run_one: Callable[[], Any], n: int = 200) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        run_one()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _chain(submit: Callable[..., Any], n: int) -> float:
    start = time.perf_counter()
    f = submit(0)
    for _ in range(n - 1):
        f = submit(f)
    assert f.result() == n
    return n / (time.perf_counter() - start)


def bench_htex(run_dir: str, args: argparse.Namespace, system: str = "htex") -> dict[str, dict]:
    import parsl
    from parsl import bash_app, python_app
    from parsl.config import Config
    from parsl.executors import HighThroughputExecutor
    from parsl.providers import LocalProvider

    noop_app = python_app(noop)
    inc_app = python_app(inc)
    bash = bash_app(true_command)
    config = Config(executors=[HighThroughputExecutor(label="htex", max_workers_per_node=2,
                                                      provider=LocalProvider(init_blocks=1, max_blocks=1))],
                    run_dir=run_dir)
    out = {}
    start = time.perf_counter()
    dfk = parsl.load(config)
    try:
        noop_app().result()
        out["load_to_first_result"] = emit(system, "load_to_first_result", time.perf_counter() - start, "s")
        for f in [noop_app() for _ in range(500)]:  # warm up
            f.result()
        rate, cpu = _best_throughput(noop_app, lambda fs: [f.result() for f in fs], args.tasks, args.repeat)
        out["noop_throughput"] = emit(system, "noop_throughput", rate, "tasks/s", tasks=args.tasks,
                                      best_of=args.repeat, **cpu)
        out["roundtrip"] = emit(system, "roundtrip", min(_roundtrip_ms(lambda: noop_app().result())
                                                         for _ in range(args.repeat)), "ms", best_of=args.repeat)
        if args.htex_only:  # a compared version: the measures against the pool only
            return out
        out["chain"] = emit("htex", "chain", max(_chain(inc_app, args.chain) for _ in range(args.repeat)),
                            "tasks/s", tasks=args.chain, best_of=args.repeat)
        rate, cpu = _best_throughput(bash, lambda fs: [f.result() for f in fs], args.bash_tasks, args.repeat)
        out["bash_throughput"] = emit("htex", "bash_throughput", rate, "tasks/s", tasks=args.bash_tasks,
                                      best_of=args.repeat, **cpu)
    finally:
        dfk.cleanup()
        parsl.clear()
    return out


def bench_processpool(args: argparse.Namespace) -> dict[str, dict]:
    with ProcessPoolExecutor(2) as pool:
        for f in [pool.submit(noop) for _ in range(500)]:
            f.result()
        value, cpu = _best_throughput(lambda: pool.submit(noop), lambda fs: [f.result() for f in fs], args.tasks,
                                      args.repeat)
        roundtrip = min(_roundtrip_ms(lambda: pool.submit(noop).result()) for _ in range(args.repeat))
    return {"noop_throughput": emit("processpool", "noop_throughput", value, "tasks/s", tasks=args.tasks,
                                    best_of=args.repeat, **cpu),
            "roundtrip": emit("processpool", "roundtrip", roundtrip, "ms", best_of=args.repeat)}


def bench_dask(args: argparse.Namespace) -> dict[str, dict]:
    from dask.distributed import Client, LocalCluster

    out = {}
    start = time.perf_counter()
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        client.submit(noop, pure=False).result()
        out["load_to_first_result"] = emit("dask", "load_to_first_result", time.perf_counter() - start, "s")
        client.gather([client.submit(noop, pure=False) for _ in range(500)])
        rate, cpu = _best_throughput(lambda: client.submit(noop, pure=False), client.gather, args.tasks, args.repeat)
        out["noop_throughput"] = emit("dask", "noop_throughput", rate, "tasks/s", tasks=args.tasks,
                                      best_of=args.repeat, **cpu)
        out["roundtrip"] = emit("dask", "roundtrip", min(_roundtrip_ms(lambda: client.submit(noop, pure=False).result())
                                                        for _ in range(args.repeat)), "ms", best_of=args.repeat)
        out["chain"] = emit("dask", "chain", max(_chain(lambda x: client.submit(inc, x, pure=False), args.chain)
                                                 for _ in range(args.repeat)),
                            "tasks/s", tasks=args.chain, best_of=args.repeat)
    return out


def run_all(args: argparse.Namespace) -> None:
    if args.htex_only:
        with tempfile.TemporaryDirectory() as tmp:
            bench_htex(os.path.join(tmp, "runinfo"), args)
        return
    for _ in range(args.rounds if implementation() == "parsl-core" else 1):
        with tempfile.TemporaryDirectory() as tmp:
            bench_htex(os.path.join(tmp, "runinfo"), args)
        if args.compare_python:
            _compared(args)
        if implementation() == "parsl-core":
            bench_processpool(args)
    if implementation() != "parsl-core" and importlib.util.find_spec("distributed") is not None:
        bench_dask(args)


#: measure -> (higher is better, the issue's target for ours/real Parsl)
TARGETS = {
    "noop_throughput": (True, ">= 4"),
    "roundtrip": (False, "<= 0.4"),
    "load_to_first_result": (False, "<= 0.25"),
    "chain": (True, ">= 2"),
    "bash_throughput": (True, ">= 2"),
}


def _compared(args: argparse.Namespace) -> None:
    """One round of the other HTEX version (``--compare-python``), its records renamed "htex_compared"."""
    cmd = [args.compare_python, os.path.abspath(__file__), "--htex-only", "--tasks", str(args.tasks),
           "--repeat", str(args.repeat)]
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
    for line in out.stdout.splitlines():
        if line.startswith("{") and "\"system\"" in line:
            record = json.loads(line)
            emit("htex_compared", record["measure"], record["value"], record["unit"],
                 **{k: v for k, v in record.items() if k not in ("impl", "system", "measure", "value", "unit")})


def _reference(args: argparse.Namespace) -> list[dict]:
    """Run this script under the reference interpreter, with its scripts directory on PATH
    (real Parsl starts ``interchange.py`` and ``process_worker_pool.py`` from PATH)."""
    bindir = os.path.dirname(os.path.abspath(args.parsl_python))
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    cmd = [args.parsl_python, os.path.abspath(__file__), "--tasks", str(args.tasks), "--chain", str(args.chain),
           "--repeat", str(args.repeat), "--bash-tasks", str(args.bash_tasks)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env, cwd=tempfile.gettempdir())
    records = []
    for line in out.stdout.splitlines():
        if line.startswith("{") and "\"system\"" in line:
            print(line, flush=True)
            records.append(json.loads(line))
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--parsl-python", help="interpreter with real Parsl (and Dask) installed, to compare against")
    parser.add_argument("--tasks", type=int, default=10000)
    parser.add_argument("--chain", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs of each measure but the first")
    parser.add_argument("--bash-tasks", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=2, help="our HTEX and the process pool alternate this often")
    parser.add_argument("--compare-python", help="interpreter with another version of our HTEX, measured in each round")
    parser.add_argument("--htex-only", action="store_true", help=argparse.SUPPRESS)  # a --compare-python run
    args = parser.parse_args()

    run_all(args)
    if args.htex_only:
        return
    ours: dict[tuple[str, str], float] = {}
    for r in RECORDS:  # the best of the rounds
        key, higher = (r["system"], r["measure"]), r["unit"] != "ms" and r["unit"] != "s"
        ours[key] = r["value"] if key not in ours else (max if higher else min)(ours[key], r["value"])
    theirs = {(r["system"], r["measure"]): r["value"] for r in _reference(args)} if args.parsl_python else {}
    ratios: dict[str, Any] = {}
    for measure in TARGETS:
        mine = ours.get(("htex", measure))
        for system in ("htex", "dask"):
            other = theirs.get((system, measure))
            if mine and other:
                name = "parsl" if system == "htex" else "dask"
                ratios[f"{measure}_ours_over_{name}"] = round(mine / other, 3)
    for measure in ("noop_throughput", "roundtrip"):
        pool = ours.get(("processpool", measure))
        if pool and ours.get(("htex", measure)):
            ratios[f"{measure}_ours_over_processpool"] = round(ours[("htex", measure)] / pool, 3)
        for system, name in (("processpool", "processpool"), ("htex_compared", "compared")):
            per_round = _per_round(measure, other=system)
            if per_round:
                ratios[f"{measure}_ours_over_{name}_per_round"] = per_round
                ratios[f"{measure}_ours_over_{name}_median"] = round(statistics.median(per_round), 3)
        per_round = _per_round(measure, "htex_compared", "processpool")
        if per_round:
            ratios[f"{measure}_compared_over_processpool_median"] = round(statistics.median(per_round), 3)
    for system in ("htex", "htex_compared", "processpool"):
        cpu = [r["cpu_us_per_task"] for r in RECORDS if r["system"] == system and r["measure"] == "noop_throughput"
               and "cpu_us_per_task" in r]
        if cpu:
            ratios[f"noop_cpu_us_per_task_{system}_median"] = round(statistics.median(cpu), 1)
    targets = {f"{m}_ours_over_parsl": t for m, (_, t) in TARGETS.items()}
    for suffix in ("", "_median"):
        targets[f"noop_throughput_ours_over_processpool{suffix}"] = ">= 1"
        targets[f"roundtrip_ours_over_processpool{suffix}"] = "<= 2"
    met = {k: _meets(ratios.get(k), t) for k, t in targets.items()}
    print(json.dumps({"benchmark": "htex", "ratios": ratios, "targets": targets, "met": met}), flush=True)


def _per_round(measure: str, system: str = "htex", other: str = "processpool") -> list[float]:
    """``system`` / ``other`` for ``measure`` in each round (measured one after the other)."""
    mine = [r["value"] for r in RECORDS if r["system"] == system and r["measure"] == measure]
    theirs = [r["value"] for r in RECORDS if r["system"] == other and r["measure"] == measure]
    return [round(h / p, 3) for h, p in zip(mine, theirs)]


def _meets(value: float | None, target: str) -> bool | None:
    if value is None:
        return None
    op, bound = target.split()
    return value >= float(bound) if op == ">=" else value <= float(bound)


if __name__ == "__main__":
    main()
