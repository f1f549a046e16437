"""``parsl-perf``: how many trivial tasks per second a configuration runs.

Each iteration submits ``n`` no-op apps and waits for them; the next ``n`` comes from the iteration
mode: ``estimate`` aims at ``--time`` seconds from the last rate, ``exponential`` doubles ``n``,
and a comma list (``10,100,1000``) runs exactly those sizes. Arguments and output lines are
Parsl's, so scripts that parse ``Tasks per second:`` keep working.
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import importlib.util
import time
from typing import Any, Dict, Literal

import parsl
from parsl.dataflow.dflow import DataFlowKernel
from parsl.errors import ConfigurationError

VALID_NAMED_ITERATION_MODES = ("estimate", "exponential")

#: Every mode runs at least this many iterations, so the first (warm-up) one is never the only one.
min_iterations = 2


def load_dfk_from_config(filename: str) -> DataFlowKernel:
    """Load the ``config`` (or ``fresh_config()``) defined by the Python file ``filename``."""
    spec = importlib.util.spec_from_file_location("parsl_perf_config", filename)
    if spec is None or spec.loader is None:
        raise ConfigurationError(f"--config {filename}: not a Python file that can be imported")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    if hasattr(module, "config"):
        return parsl.load(module.config)
    if hasattr(module, "fresh_config"):
        return parsl.load(module.fresh_config())
    raise ConfigurationError(f"--config {filename}: the file defines neither 'config' nor 'fresh_config'")


@parsl.python_app
def app(extra_payload: Any, parsl_resource_specification: Dict = {}) -> int:  # noqa: B006 (Parsl's signature)
    """The task measured: it only returns, so the figure is the framework's overhead."""
    return 7


def _next_size(mode: str | list[int], iteration: int, n: int, elapsed: float, target_t: float) -> int | None:
    """The size of iteration ``iteration`` (1-based), or None when the run is over."""
    if isinstance(mode, list):
        return mode[iteration - 1] if iteration <= len(mode) else None
    if mode == "estimate":
        more = elapsed < 0.75 * target_t or iteration <= min_iterations
        return max(1, int(target_t * n / elapsed)) if more else None
    return n * 2 if elapsed < target_t or iteration <= min_iterations else None


def performance(*, resources: dict, target_t: float, args_extra_size: int, iterate_mode: str | list[int]) -> None:
    """Run iterations on the loaded DataFlowKernel and print each one's rates."""
    payload = "x" * args_extra_size
    iteration = 1
    n: int | None = iterate_mode[0] if isinstance(iterate_mode, list) else 10
    while n is not None:
        print(f"==== Iteration {iteration} ====")
        print(f"Will run {n} tasks")
        start = time.time()
        print("Submitting tasks / invoking apps")
        futures = [app(payload, parsl_resource_specification=resources) for _ in range(n)]
        submitted = time.time()
        print(f"All {n} tasks submitted ... waiting for completion")
        print(f"Submission took {submitted - start:.3f} seconds = {n / (submitted - start):.3f} tasks/second")
        for future in concurrent.futures.as_completed(futures):
            if future.result() != 7:
                raise RuntimeError(f"a benchmark task returned {future.result()!r} instead of 7")
        elapsed = time.time() - start
        print(f"Runtime: actual {elapsed:.3f}s vs target {target_t}s")
        print(f"Tasks per second: {n / elapsed:.3f}")
        iteration += 1
        n = _next_size(iterate_mode, iteration, n, elapsed, target_t)


def validate_int_list(v: str) -> list[int] | Literal[False]:
    """``"10,100"`` -> ``[10, 100]``; False when ``v`` is not a comma list of integers."""
    try:
        return [int(part) for part in v.split(",")]
    except ValueError:
        return False


def iteration_mode(v: str) -> str | list[int]:
    """argparse type of ``--iterate``: a named mode or a list of positive sizes."""
    if v in VALID_NAMED_ITERATION_MODES:
        return v
    sizes = validate_int_list(v)
    if not sizes or any(size < 1 for size in sizes):
        raise argparse.ArgumentTypeError(
            f"invalid iteration mode {v!r}: use {' or '.join(VALID_NAMED_ITERATION_MODES)}, "
            "or a comma-separated list of task counts such as 10,100,1000")
    return sizes


def _resources(expr: str) -> dict:
    """argparse type of ``--resources``: a Python dict literal."""
    try:
        value = ast.literal_eval(expr)
    except (ValueError, SyntaxError) as e:
        raise argparse.ArgumentTypeError(f"--resources {expr!r} is not a Python dict literal: {e}") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError(f"--resources {expr!r} is a {type(value).__name__}, not a dict")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="parsl-perf", description="Measure how many tasks per second a Parsl configuration runs",
        epilog="example: parsl-perf --config my_config.py --resources '{\"cores\": 1}' --iterate 100,1000")
    parser.add_argument("--config", required=True, help="Python file that defines 'config' or 'fresh_config()'")
    parser.add_argument("--resources", metavar="EXPR", type=_resources, default={},
                        help="parsl_resource_specification of every task, as a dict literal")
    parser.add_argument("--time", metavar="SECONDS", type=float, default=120,
                        help="target duration of an iteration (default 120)")
    parser.add_argument("--argsize", metavar="BYTES", type=int, default=0,
                        help="extra bytes added to each task's arguments (default 0)")
    parser.add_argument("--version", action="version", version=f"parsl-perf from Parsl {parsl.__version__}")
    parser.add_argument("--iterate", metavar="MODE", type=iteration_mode, default="estimate",
                        help=f"{', '.join(VALID_NAMED_ITERATION_MODES)}, or a comma list of task counts")
    return parser


def cli_run() -> None:
    """Entry point of the ``parsl-perf`` command."""
    args = _parser().parse_args()
    with load_dfk_from_config(args.config):
        performance(resources=args.resources, target_t=args.time, args_extra_size=args.argsize,
                    iterate_mode=args.iterate)
        print("Tests complete - leaving DFK block")
    print("The end")


if __name__ == "__main__":
    cli_run()
