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
import uuid
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


class _Done:
    def result(self) -> None:
        return None


def _bare(container: Container) -> _Done:
    """Run the runtime's own command line for ``command()`` directly, outside Parsl."""
    plugin = container.runtime_plugin()
    argv = plugin.run_argv(plugin.program() or "", container.image, ["/bin/bash", "-c", command()],
                           name=f"parsl-bench-{uuid.uuid4().hex[:12]}")
    subprocess.run(argv, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    return _Done()


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
            apps: dict[str, dict[str, Callable[[], Any]]] = {
                "bash": {"plain": bash_app(command), "container": bash_app(container.bash(command)),
                         "bare_runtime": functools.partial(_bare, container)},
                "python": {"plain": functools.partial(python_app(square), 3),
                           "container": functools.partial(python_app(container.python(square)), 3)},
            }
            for kind, variants in apps.items():
                times: dict[str, list[float]] = {variant: [] for variant in variants}
                for _ in range(args.tasks):  # interleaved: load on the machine hits every variant alike
                    for variant, submit in variants.items():
                        times[variant].append(latency(submit))
                medians = {variant: statistics.median(values) for variant, values in times.items()}
                for variant, median in medians.items():
                    print(json.dumps({"bench": "container_task_latency", "runtime": runtime, "app": kind,
                                      "variant": variant, "tasks": args.tasks, "median_s": round(median, 5)}),
                          flush=True)
                print(json.dumps({"bench": "container_overhead", "runtime": runtime, "app": kind,
                                  "median_overhead_s": round(medians["container"] - medians["plain"], 4),
                                  "ratio_container_over_plain": round(medians["container"] / medians["plain"], 1)}),
                      flush=True)
    finally:
        parsl.dfk().cleanup()


if __name__ == "__main__":
    main()
