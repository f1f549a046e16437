"""Execute every tutorial notebook, every cell, on a fresh kernel; exit non-zero if a cell fails.

    python tutorials/run_notebooks.py [--config FILE] [NOTEBOOK...]

``--config`` sets ``PARSL_TUTORIAL_CONFIG`` for the kernels (default: local threads). Prints one
JSON line per notebook with its run time. Outputs are not written back: the notebooks stay clean.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

HERE = Path(__file__).resolve().parent
CELL_TIMEOUT = 600  # generous: a stuck cell fails the run rather than hanging it


def run(path: Path, config: str | None) -> float:
    notebook = nbformat.read(path, as_version=4)
    if config:
        os.environ["PARSL_TUTORIAL_CONFIG"] = str(Path(config).resolve())
    else:
        os.environ.pop("PARSL_TUTORIAL_CONFIG", None)
    start = time.perf_counter()
    NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", help="config file for the notebooks (default: the embedded threads default)")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args()
    notebooks = args.notebooks or sorted(HERE.glob("*.ipynb"))
    failed = 0
    for path in notebooks:
        try:
            seconds = run(path, args.config)
        except CellExecutionError as e:
            failed += 1
            print(f"{path.name}: a cell failed ({args.config or 'threads'}):\n{e}", file=sys.stderr)
            continue
        print(json.dumps({"notebook": path.name, "config": args.config or "threads", "seconds": round(seconds, 1)}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
