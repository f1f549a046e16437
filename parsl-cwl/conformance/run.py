"""Run the CWL v1.2.1 conformance suite with cwltest's pytest plugin: cwltool, then parsl-cwl on
each Parsl config, in one session; print one JSON line per runner; fail when parsl-cwl misses a
test that cwltool passes.

    python run.py [--tags required] [--runners cwltool,threads,htex] [-n 2]

The suite is test data outside the project: ``$PARSL_CWL_CONFORMANCE`` (default
``../shared/cwl-conformance`` beside the repository, then the workplace's ``/work/shared``).
cwltest collects only files named ``*.cwltest.yaml``, and resolves the tests' paths against
that file's folder, so a temporary folder holds two symlinks: the suite's
``conformance_tests.yaml`` under that name, and ``tests/``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: Where the suite is looked for when ``$PARSL_CWL_CONFORMANCE`` is unset: ``shared/`` beside the
#: repository, and the workplace's copy (a CI clone may live elsewhere than the workplace's checkout).
DEFAULT_SUITES = (HERE.parents[2] / "shared" / "cwl-conformance", Path("/work/shared/cwl-conformance"))
#: How both runners are run on the suite: no containers (no image registry is reachable), and
#: the suite's file names, which cwltool's default path checks refuse.
RUNNER_ARGS = ["--no-container", "--relax-path-checks"]
#: runner name -> (command, extra arguments)
RUNNERS = {
    "cwltool": ("cwltool", []),
    "threads": ("parsl-cwl", ["--config", str(HERE / "threads.toml")]),
    "htex": ("parsl-cwl", ["--config", str(HERE / "htex.toml")]),
}


def suite_folder() -> Path:
    """The conformance suite's folder; exit with what to do when it is absent."""
    given = os.environ.get("PARSL_CWL_CONFORMANCE")
    candidates = [Path(given)] if given else list(DEFAULT_SUITES)
    folder = next((f for f in candidates if (f / "conformance_tests.yaml").is_file()), None)
    if folder is None:
        tried = ", ".join(str(f) for f in candidates)
        sys.exit(f"CWL conformance suite not found: no conformance_tests.yaml in {tried}. Point "
                 "PARSL_CWL_CONFORMANCE at a folder holding the CWL v1.2.1 conformance tests "
                 "(conformance_tests.yaml and tests/).")
    return folder


def run_suite(suite: Path, runner: str, tags: str | None, workers: int, workdir: Path) -> dict[str, bool]:
    """Run the suite with one runner; return test name -> passed (tests outside ``tags`` left out)."""
    command, extra = RUNNERS[runner]
    folder = workdir / runner
    folder.mkdir()
    (folder / "conformance_tests.cwltest.yaml").symlink_to(suite / "conformance_tests.yaml")
    (folder / "tests").symlink_to(suite / "tests", target_is_directory=True)
    report = folder / "junit.xml"
    argv = [sys.executable, "-m", "pytest", "conformance_tests.cwltest.yaml", "-q", "-p", "no:cacheprovider",
            "--cwl-runner", command, "--cwl-args", " ".join([*extra, *RUNNER_ARGS]),
            "--cwl-basedir", str(folder), f"--junitxml={report}", "-rN"]
    if tags:
        argv += ["--cwl-tags", tags]
    if workers > 1:
        argv += ["-n", str(workers)]
    subprocess.run(argv, cwd=folder, stdout=subprocess.DEVNULL, check=False)
    if not report.exists():
        sys.exit(f"{runner}: pytest wrote no report ({report}); run it by hand: {' '.join(argv)}")
    return outcomes(report)


def outcomes(report: Path) -> dict[str, bool]:
    """JUnit XML -> test name -> passed; skipped tests (other tags) are not counted."""
    results = {}
    for case in ET.parse(report).iter("testcase"):
        if case.find("skipped") is not None:
            continue
        failed = case.find("failure") is not None or case.find("error") is not None
        results[case.get("name", "")] = not failed
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tags", default=None, help="cwltest tags to run (default: every test)")
    parser.add_argument("--runners", default="cwltool,threads,htex",
                        help=f"comma-separated, of {', '.join(RUNNERS)}; cwltool is the reference")
    parser.add_argument("-n", "--workers", type=int, default=2, help="pytest-xdist workers")
    args = parser.parse_args()
    runners = args.runners.split(",")
    unknown = sorted(set(runners) - set(RUNNERS))
    if unknown:
        parser.error(f"unknown runner(s) {', '.join(unknown)}; known: {', '.join(RUNNERS)}")
    suite = suite_folder()
    results: dict[str, dict[str, bool]] = {}
    with tempfile.TemporaryDirectory(prefix="cwl-conformance-") as tmp:
        for runner in runners:
            results[runner] = run_suite(suite, runner, args.tags, args.workers, Path(tmp))
            passed = sorted(name for name, ok in results[runner].items() if ok)
            print(json.dumps({"runner": runner, "tags": args.tags or "all", "passed": len(passed),
                              "total": len(results[runner]),
                              "failed": sorted(name for name, ok in results[runner].items() if not ok)}),
                  flush=True)
    reference = {name for name, ok in results.get("cwltool", {}).items() if ok}
    missing = {runner: sorted(reference - {n for n, ok in res.items() if ok})
               for runner, res in results.items() if runner != "cwltool" and reference}
    for runner, names in missing.items():
        if names:
            print(f"parsl-cwl on {runner} fails {len(names)} test(s) that cwltool passes: {', '.join(names)}",
                  file=sys.stderr)
    return 1 if any(missing.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
