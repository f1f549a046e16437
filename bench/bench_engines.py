"""Benchmark of the executors on existing engines: each engine through Parsl against the same engine used directly.

    python bench/bench_engines.py [--tasks 2000] [--repeat 3] [--roundtrips 100] [--engines dask,ray]

For each engine whose library is installed, one engine instance serves both sides in the same
run, alternating: Parsl apps on the engine's executor, and the engine's own API. One JSON line
per measurement; a last line per engine with the ratio Parsl/direct and the issue's target (the
Parsl layer may cost at most 25% of the direct throughput: ratio >= 0.75).

  noop_throughput   tasks/s for N no-op tasks submitted at once, then all awaited (best of --repeat)
  roundtrip         median ms of one no-op task, submitted and awaited alone

Dask: ``LocalCluster(n_workers=2, threads_per_worker=1)``; direct is ``client.submit(noop,
pure=False)`` then ``client.gather``. Ray: ``ray.init(num_cpus=2)`` in a private network namespace
(the script re-runs itself under ``unshare --net``, as root); direct is ``noop.remote()`` of a
``ray.remote(max_retries=0)`` function (the executor's setting) then ``ray.get``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable, Dict, List

import parsl
from parsl import python_app
from parsl.config import Config


def noop() -> None:
    return None


def emit(**record: Any) -> Dict[str, Any]:
    print(json.dumps(record), flush=True)
    return record


class Engine:
    """One engine: how to use it directly, and the Parsl executor on the same instance."""

    name = ""
    module = ""

    def start(self) -> None: ...
    def executor(self) -> Any: ...
    def direct_run(self, n: int) -> None: ...
    def stop(self) -> None: ...


class Dask(Engine):
    name, module = "dask", "distributed"

    def start(self) -> None:
        from distributed import Client, LocalCluster

        self.cluster = LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None)
        self.client = Client(self.cluster, set_as_default=False)

    def executor(self) -> Any:
        from parsl.executors import DaskExecutor

        return DaskExecutor(label="dask", client=self.client)

    def direct_run(self, n: int) -> None:
        self.client.gather([self.client.submit(noop, pure=False) for _ in range(n)])

    def stop(self) -> None:
        self.client.close()
        self.cluster.close()


class Ray(Engine):
    """A local Ray: run only inside a private network namespace (Ray listens on every interface)."""

    name, module = "ray", "ray"

    def start(self) -> None:
        import ray

        self.temp_dir = tempfile.mkdtemp(prefix="ray-", dir="/tmp")
        ray.init(num_cpus=2, include_dashboard=False, _temp_dir=self.temp_dir, _node_ip_address="127.0.0.1")
        self.noop = ray.remote(max_retries=0)(noop)

    def executor(self) -> Any:
        from parsl.executors import RayExecutor

        return RayExecutor(label="ray")

    def direct_run(self, n: int) -> None:
        import ray

        ray.get([self.noop.remote() for _ in range(n)])

    def stop(self) -> None:
        import ray

        ray.shutdown()
        shutil.rmtree(self.temp_dir, ignore_errors=True)


ENGINES: Dict[str, Callable[[], Engine]] = {"dask": Dask, "ray": Ray}

#: Ray's settings for the benchmark: no token file, no metrics agent, patient start-up on a busy machine.
RAY_ENV = {"RAY_AUTH_MODE": "disabled", "RAY_enable_metrics_collection": "0", "RAY_USAGE_STATS_ENABLED": "0",
           "RAY_agent_register_timeout_ms": "300000"}


def run_ray_isolated(argv: List[str]) -> None:
    """Run this script for Ray alone in a private network namespace (``unshare --net``, root) with ``lo`` up."""
    command = " ".join(shlex.quote(a) for a in [sys.executable, __file__, *argv, "--engines", "ray", "--in-netns"])
    subprocess.run(["unshare", "--net", "sh", "-c", f"ip link set lo up && exec {command}"],
                   env={**os.environ, **RAY_ENV}, check=True)


def throughput(run: Callable[[int], None], n: int) -> float:
    t0 = time.perf_counter()
    run(n)
    return n / (time.perf_counter() - t0)


def median_ms(run: Callable[[int], None], times: int) -> float:
    samples: List[float] = []
    for _ in range(times):
        t0 = time.perf_counter()
        run(1)
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def bench(engine: Engine, args: argparse.Namespace) -> None:
    engine.start()
    run_dir = tempfile.mkdtemp(prefix="bench-engines-")
    dfk = parsl.load(Config(executors=[engine.executor()], run_dir=run_dir))
    app = python_app(noop, data_flow_kernel=dfk)

    def through_parsl(n: int) -> None:
        for f in [app() for _ in range(n)]:
            f.result()

    try:
        through_parsl(50)  # warm both paths: function caches, worker imports
        engine.direct_run(50)
        sides = {"parsl": through_parsl, "direct": engine.direct_run}
        results: Dict[str, Dict[str, float]] = {side: {} for side in sides}
        for _ in range(args.repeat):  # alternate the sides, keep each side's best: the machine is shared
            for side, run in sides.items():
                best = results[side].get("noop_throughput", 0.0)
                results[side]["noop_throughput"] = max(best, throughput(run, args.tasks))
        for side in sides:
            emit(engine=engine.name, side=side, measure="noop_throughput",
                 value=round(results[side]["noop_throughput"], 1), unit="tasks/s", tasks=args.tasks)
        for side, run in sides.items():
            results[side]["roundtrip"] = median_ms(run, args.roundtrips)
            emit(engine=engine.name, side=side, measure="roundtrip", value=round(results[side]["roundtrip"], 3),
                 unit="ms", times=args.roundtrips)
        ratio = results["parsl"]["noop_throughput"] / results["direct"]["noop_throughput"]
        emit(engine=engine.name, measure="ratios", noop_throughput_parsl_over_direct=round(ratio, 3),
             roundtrip_parsl_over_direct=round(results["parsl"]["roundtrip"] / results["direct"]["roundtrip"], 3),
             target_noop_throughput=">= 0.75", meets_target=ratio >= 0.75)
    finally:
        dfk.cleanup()
        parsl.clear()
        engine.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--roundtrips", type=int, default=100)
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--in-netns", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    common = ["--tasks", str(args.tasks), "--repeat", str(args.repeat), "--roundtrips", str(args.roundtrips)]
    for name in args.engines.split(","):
        engine = ENGINES[name]()
        if importlib.util.find_spec(engine.module) is None:
            emit(engine=name, measure="skipped", reason=f"{engine.module} is not installed")
        elif name == "ray" and not args.in_netns:
            run_ray_isolated(common)
        else:
            bench(engine, args)


if __name__ == "__main__":
    main()
