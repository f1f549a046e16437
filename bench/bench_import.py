"""How long `import parsl` takes, ours against real Parsl's, and what it drags in.

    python bench/bench_import.py --parsl-python /path/to/venv-with-real-parsl/bin/python

Prints one JSON line per measurement and a last line with the ratios (ours / real Parsl's).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

HEAVY = ["zmq", "sqlalchemy", "boto3", "globus_sdk", "kubernetes", "psutil", "typeguard", "rich", "requests"]

SNIPPETS = {
    # the import itself
    "import_parsl": "import parsl",
    # what a script does first: import, then resolve classes through the installed plugins
    "import_and_resolve": "import parsl\nfrom parsl.executors import HighThroughputExecutor\n"
                          "from parsl.providers import SlurmProvider\nfrom parsl import python_app, File",
}


def time_snippet(python: str, code: str, repeat: int) -> float:
    """Median wall time of running ``code`` in a fresh interpreter, minus interpreter start-up."""
    def once(c: str) -> float:
        start = time.perf_counter()
        subprocess.run([python, "-c", c], check=True, capture_output=True)
        return time.perf_counter() - start

    baseline = statistics.median(once("pass") for _ in range(repeat))
    return max(0.0, statistics.median(once(code) for _ in range(repeat)) - baseline)


def heavy_modules(python: str, code: str) -> list[str]:
    probe = code + f"\nimport sys\nprint(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([python, "-c", probe], check=True, capture_output=True, text=True).stdout.strip()
    return [m for m in out.split(",") if m]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--parsl-python", required=True, help="python of a venv with real Parsl installed")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    ratios = {}
    for name, code in SNIPPETS.items():
        results = {}
        for impl, python in (("ours", sys.executable), ("parsl", args.parsl_python)):
            seconds = time_snippet(python, code, args.repeat)
            results[impl] = seconds
            print(json.dumps({"bench": name, "impl": impl, "seconds": round(seconds, 4),
                              "heavy_modules": heavy_modules(python, code)}), flush=True)
        ratios[name] = round(results["ours"] / results["parsl"], 3)
    print(json.dumps({"bench": "import", "ratios_ours_over_parsl": ratios}))


if __name__ == "__main__":
    main()
