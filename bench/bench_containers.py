"""Per-task overhead of a container app against the same app without a container.

    python bench/bench_containers.py [--tasks 100] [--runtime podman --runtime charliecloud]

For each runtime, runs the same bash app and the same Python app ``--tasks`` times one after
another (each waits for the previous, so the time is the task's latency) on a ThreadPoolExecutor,
interleaving the plain and the container variants in the same run; prints one JSON line per
variant (median seconds per task) and, per runtime, the median overhead and the ratio. The
``bare_runtime`` line is the runtime's own command line (the one a bash app's run renders, for
the same command) run directly, so the part of the overhead that is Parsl's shows. Needs the CI
test images (``.ci/services/podman.sh start``, ``.ci/services/charliecloud.sh start``).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import tempfile
import time
from typing import Any, Callable

import parsl
from parsl import bash_app, python_app
from parsl.config import Config
from parsl.containers.app import Container
from parsl.executors.threads import ThreadPoolExecutor

CACHE = os.environ.get("CONTAINER_CI_CACHE", "/var/cache/parsl-ci-containers")
IMAGES = {"podman": "localhost/parsl-ci/py3",
          "charliecloud": os.path.join(CACHE, "images", "py3")}


def command() -> str:
    return "echo hello > /dev/null"


def square(x: int) -> int:
    return x * x


def latency(submit: Callable[[], Any]) -> float:
    """Seconds from submitting one task to its result."""
    start = time.perf_counter()
    submit().result()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tasks", type=int, default=100)
    parser.add_argument("--runtime", action="append", choices=sorted(IMAGES))
    args = parser.parse_args()
    os.environ.setdefault("USER", "root")
    os.chdir(tempfile.mkdtemp(prefix="bench-containers-"))
    parsl.load(Config(executors=[ThreadPoolExecutor(max_threads=2)], run_dir="runinfo"))
    try:
        for runtime in args.runtime or ["podman", "charliecloud"]:
            container = Container(IMAGES[runtime], runtime=runtime)
            variants = {
                "bash": (bash_app(command), bash_app(container.bash(command))),
                "python": (functools.partial(python_app(square), 3),
                           functools.partial(python_app(container.python(square)), 3)),
            }
            plugin = container.runtime_plugin()
            bare_times = []
            for i in range(args.tasks):
                bare = plugin.run_argv(plugin.program() or runtime, container.image, ["/bin/bash", "-c", command()],
                                       name=f"parsl-bench-{os.getpid()}-{i}")
                start = time.perf_counter()
                subprocess.run(bare, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
                bare_times.append(time.perf_counter() - start)
            print(json.dumps({"bench": "container_task_latency", "runtime": runtime, "app": "bash",
                              "variant": "bare_runtime", "tasks": args.tasks,
                              "median_s": round(statistics.median(bare_times), 5)}), flush=True)
            for kind, (plain, contained) in variants.items():
                plain_times, container_times = [], []
                for _ in range(args.tasks):  # interleaved: load on the machine hits both alike
                    plain_times.append(latency(plain))
                    container_times.append(latency(contained))
                plain_median = statistics.median(plain_times)
                container_median = statistics.median(container_times)
                for variant, median in (("plain", plain_median), ("container", container_median)):
                    print(json.dumps({"bench": "container_task_latency", "runtime": runtime, "app": kind,
                                      "variant": variant, "tasks": args.tasks, "median_s": round(median, 5)}),
                          flush=True)
                print(json.dumps({"bench": "container_overhead", "runtime": runtime, "app": kind,
                                  "median_overhead_s": round(container_median - plain_median, 4),
                                  "ratio_container_over_plain": round(container_median / plain_median, 1)}),
                      flush=True)
    finally:
        parsl.dfk().cleanup()


if __name__ == "__main__":
    main()
