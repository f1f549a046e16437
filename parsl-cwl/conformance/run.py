"""Run the CWL v1.2.1 conformance suite with cwltest's pytest plugin: cwltool, then parsl-cwl on
each Parsl config, in one session; print one JSON line per runner; fail when parsl-cwl misses a
test that cwltool passes.

    python run.py [--tags required] [--runners cwltool,threads,htex] [-n 2] [--concurrent] [--workdir DIR]

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


def start_suite(suite: Path, runner: str, tags: str | None, workers: int, workdir: Path) -> subprocess.Popen[bytes]:
    """Start the suite with one runner in ``workdir/runner``; each test's outcome goes to its
    ``pytest.log`` as it ends (so a long run can be followed), all of them to ``junit.xml``."""
    command, extra = RUNNERS[runner]
    folder = workdir / runner
    folder.mkdir()
    (folder / "conformance_tests.cwltest.yaml").symlink_to(suite / "conformance_tests.yaml")
    (folder / "tests").symlink_to(suite / "tests", target_is_directory=True)
    argv = [sys.executable, "-m", "pytest", "conformance_tests.cwltest.yaml", "-v", "-p", "no:cacheprovider",
            "--cwl-runner", command, "--cwl-args", " ".join([*extra, *RUNNER_ARGS]),
            "--cwl-basedir", str(folder), f"--junitxml={folder / 'junit.xml'}", "-rN"]
    if tags:
        argv += ["--cwl-tags", tags]
    if workers > 1:
        argv += ["-n", str(workers)]
    with open(folder / "pytest.log", "wb") as log:
        return subprocess.Popen(argv, cwd=folder, stdout=log, stderr=subprocess.STDOUT)


def finish_suite(runner: str, proc: subprocess.Popen[bytes], workdir: Path) -> dict[str, bool]:
    """Wait for one runner's suite; return test name -> passed (tests outside the tags left out)."""
    proc.wait()
    report = workdir / runner / "junit.xml"
    if not report.exists():
        sys.exit(f"{runner}: pytest wrote no report ({report}); see {workdir / runner / 'pytest.log'}")
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


def report(runner: str, results: dict[str, bool], tags: str | None) -> dict[str, bool]:
    """Print one runner's counts as a JSON line; return its results."""
    print(json.dumps({"runner": runner, "tags": tags or "all", "passed": sum(results.values()),
                      "total": len(results), "failed": sorted(name for name, ok in results.items() if not ok)}),
          flush=True)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tags", default=None, help="cwltest tags to run (default: every test)")
    parser.add_argument("--runners", default="cwltool,threads,htex",
                        help=f"comma-separated, of {', '.join(RUNNERS)}; cwltool is the reference")
    parser.add_argument("-n", "--workers", type=int, default=2, help="pytest-xdist workers (per runner)")
    parser.add_argument("--concurrent", action="store_true",
                        help="run the runners at the same time (each under the same load) instead of one by one")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep each runner's pytest.log and junit.xml here (default: a temporary folder)")
    args = parser.parse_args()
    runners = args.runners.split(",")
    unknown = sorted(set(runners) - set(RUNNERS))
    if unknown:
        parser.error(f"unknown runner(s) {', '.join(unknown)}; known: {', '.join(RUNNERS)}")
    suite = suite_folder()
    results: dict[str, dict[str, bool]] = {}
    with tempfile.TemporaryDirectory(prefix="cwl-conformance-") as tmp:
        workdir = Path(tmp) if args.workdir is None else args.workdir
        workdir.mkdir(parents=True, exist_ok=True)
        started: dict[str, subprocess.Popen[bytes]] = {}
        for runner in runners:
            started[runner] = start_suite(suite, runner, args.tags, args.workers, workdir)
            if not args.concurrent:
                results[runner] = report(runner, finish_suite(runner, started[runner], workdir), args.tags)
        for runner in runners:
            if runner not in results:
                results[runner] = report(runner, finish_suite(runner, started[runner], workdir), args.tags)
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
