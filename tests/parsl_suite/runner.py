"""Run Parsl's own test suite (from the published wheel, unchanged) and compare with real Parsl.

    python runner.py extract WHEEL                 # parsl/tests of WHEEL into the installed parsl
    python runner.py record CONFIG [--python PY]   # real Parsl: write passed-CONFIG.txt
    python runner.py check CONFIG                  # ours: every recorded pass must pass

CONFIG is one of Parsl's CI configurations: ``local`` (each test module loads its own config),
``local_threads`` or ``htex_local`` (``parsl/tests/configs/<name>.py``, one DataFlowKernel for
the whole run). Like Parsl's CI, one pytest run covers the whole tree (so a DataFlowKernel or
thread leaked by one file shows up in later ones), with Parsl's marker deselections. Outcomes
are recorded per test (``outcomes.py``); a file with an unexpected failure is run again on its
own to tell its own failure from one caused by an earlier file, and after a test that hung or
crashed the run the files not yet reached go on in a new run, so one failure hides nothing.

``check`` allows the differences listed in docs/compatibility.md: deliberate differences (at
most 2% of real Parsl's passes per configuration) and tests of Parsl's private internals. Any
other recorded pass that does not pass here fails the check.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
DIFFERENCES = ROOT / "docs" / "compatibility.md"
CONFIGS = ("local", "local_threads", "htex_local")
#: Parsl's CI deselections (its Makefile): no network-dependent tests; in local mode none of the
#: executors whose frameworks are installed separately.
DESELECT = {
    "local": "not cleannet and not workqueue and not taskvine and not radical and not globus_compute",
    "local_threads": "not cleannet",
    "htex_local": "not cleannet",
}
#: Budget for deliberate differences, as a share of the tests real Parsl passes.
DELIBERATE_SHARE = 0.02
#: A test that runs longer than this is killed with its pytest run (pytest-timeout's thread method,
#: which also ends hangs in C code); the run then goes on from the next file.
TEST_TIMEOUT = 120
#: The whole run of one configuration is stopped after this many seconds.
RUN_TIMEOUT = 40 * 60


def tests_root(python: str) -> Path:
    """``parsl/tests`` of the parsl importable by ``python``."""
    out = subprocess.run([python, "-c", "import os, parsl; print(os.path.dirname(parsl.__file__))"],
                         check=True, capture_output=True, text=True).stdout.strip()
    return Path(out) / "tests"


def extract(wheel: Path) -> Path:
    """Unpack ``parsl/tests/**`` of ``wheel`` into the ``parsl`` package this interpreter imports."""
    target = tests_root(sys.executable)
    shutil.rmtree(target, ignore_errors=True)
    with zipfile.ZipFile(wheel) as zf:
        for name in zf.namelist():
            if name.startswith("parsl/tests/") and not name.endswith("/"):
                dest = target / name.removeprefix("parsl/tests/")
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(zf.read(name))
    return target


@dataclass
class Outcome:
    outcome: str
    message: str = ""


def run_pytest(python: str, root: Path, config: str, paths: list[Path], workdir: Path,
               timeout: float = RUN_TIMEOUT) -> tuple[dict[str, Outcome], str | None]:
    """Run pytest over ``paths``; return each test's outcome and the test a killed run was in."""
    workdir.mkdir(parents=True, exist_ok=True)
    record = workdir / "outcomes.jsonl"
    record.unlink(missing_ok=True)
    config_arg = "local" if config == "local" else str(root / "configs" / f"{config}.py")
    bindir = str(Path(python).parent)
    env = {**os.environ, "PARSL_SUITE_OUTCOMES": str(record), "PYTHONPATH": str(HERE),
           "PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    cmd = [python, "-m", "pytest", *map(str, paths), "--config", config_arg, "-k", DESELECT[config],
           "--rootdir", str(root), "--continue-on-collection-errors", "-p", "outcomes", "-p", "no:cacheprovider",
           "-q", "--no-header", "--timeout", str(TEST_TIMEOUT), "--timeout-method", "thread"]
    proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
    _kill_leftovers(proc.pid)
    outcomes: dict[str, Outcome] = {}
    started = None
    if record.exists():
        for line in record.read_text().splitlines():
            rec = json.loads(line)
            if rec["event"] == "start":
                started = rec["nodeid"]
            else:
                outcomes[rec["nodeid"]] = Outcome(rec["outcome"], rec.get("message", ""))
                started = None
    return outcomes, started


def _kill_leftovers(pgid: int) -> None:
    """Workers or interchanges a test left running (Parsl's tests start some on purpose)."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def file_of(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def record(config: str, python: str, out: Path) -> None:
    root = tests_root(python)
    with tempfile.TemporaryDirectory(prefix=f"parsl-suite-{config}-") as tmp:
        outcomes = run_whole(python, root, config, [root], Path(tmp))
    passed = sorted(n for n, o in outcomes.items() if o.outcome == "passed")
    out.write_text(f"# Tests real Parsl passes here with --config {config} (written by runner.py record)\n"
                   + "".join(f"{n}\n" for n in passed))
    print(f"{config}: real Parsl passes {len(passed)} of {len(outcomes)} tests; written to {out}")


def run_whole(python: str, root: Path, config: str, paths: list[Path], workdir: Path) -> dict[str, Outcome]:
    """One run over ``paths``; after a test that hung or crashed the run, the files not reached go on in a new one."""
    start = time.monotonic()
    files = _files(root, paths)
    outcomes: dict[str, Outcome] = {}
    remaining = paths
    for attempt in itertools.count():
        got, hung = run_pytest(python, root, config, remaining, workdir / f"run{attempt}")
        outcomes.update(got)
        if hung is None:
            break
        outcomes[hung] = Outcome("failed", f"hung (killed after {TEST_TIMEOUT} s) or crashed the pytest run")
        done = {file_of(n) for n in outcomes}
        remaining = [p for p in files if str(p.relative_to(root)) not in done]
        if not remaining:
            break
    print(f"{config}: {len(outcomes)} tests in {time.monotonic() - start:.0f} s", flush=True)
    return outcomes


def _files(root: Path, paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for p in paths:
        files += sorted(p.rglob("test_*.py")) if p.is_dir() else [p]
    return files


@dataclass
class Allowed:
    kind: str  # "deliberate" or "internal"
    configs: set[str]
    reason: str

    def covers(self, config: str) -> bool:
        return "all" in self.configs or config in self.configs


def allowed_differences(path: Path = DIFFERENCES) -> dict[str, Allowed]:
    """Test id (or file) -> why it may fail here, from the tables of docs/compatibility.md."""
    kind = None
    allowed: dict[str, Allowed] = {}
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            kind = next((k for k in ("deliberate", "internal") if k in line.lower()), None)
            continue
        m = re.match(r"\|\s*`([^`]+)`\s*\|\s*([^|]+?)\s*\|\s*(.+?)\s*\|\s*$", line)
        if kind and m:
            configs = {c.strip().strip("`") for c in m.group(2).split(",")}
            allowed[m.group(1)] = Allowed(kind, configs, m.group(3))
    return allowed


def check(config: str, python: str, expected_file: Path) -> bool:
    root = tests_root(python)
    expected = [n for n in expected_file.read_text().splitlines() if n and not n.startswith("#")]
    allowed = allowed_differences()
    files = sorted({file_of(n) for n in expected})
    with tempfile.TemporaryDirectory(prefix=f"parsl-suite-{config}-") as tmp:
        outcomes = run_whole(python, root, config, [root / f for f in files], Path(tmp))
        bad = _unexpected(config, expected, outcomes, allowed)
        alone = {f: run_pytest(python, root, config, [root / f], Path(tmp) / f"alone{i}")[0]
                 for i, f in enumerate(sorted({file_of(n) for n in bad}))}
    return _report(config, expected, outcomes, allowed, bad, alone)


def _allowance(nodeid: str, config: str, allowed: dict[str, Allowed]) -> Allowed | None:
    entry = allowed.get(nodeid) or allowed.get(file_of(nodeid)) or allowed.get(nodeid.split("[", 1)[0])
    return entry if entry is not None and entry.covers(config) else None


def outcome_of(nodeid: str, outcomes: dict[str, Outcome]) -> Outcome:
    """``nodeid``'s outcome; a parametrized test whose ids are random (drawn at import, so never the
    same twice) stands for all instances of its function, which must all pass."""
    if nodeid in outcomes:
        return outcomes[nodeid]
    function = nodeid.split("[", 1)[0]
    instances = [o for n, o in outcomes.items() if "[" in nodeid and n.split("[", 1)[0] == function]
    failed = [o for o in instances if o.outcome != "passed"]
    if instances:
        return failed[0] if failed else instances[0]
    return Outcome("error", "not run: not collected, or deselected")


def _unexpected(config: str, expected: list[str], outcomes: dict[str, Outcome],
                allowed: dict[str, Allowed]) -> list[str]:
    return [n for n in expected
            if outcome_of(n, outcomes).outcome != "passed" and _allowance(n, config, allowed) is None]


def _report(config: str, expected: list[str], outcomes: dict[str, Outcome], allowed: dict[str, Allowed],
            bad: list[str], alone: dict[str, dict[str, Outcome]]) -> bool:
    ours = [n for n in expected if outcome_of(n, outcomes).outcome == "passed"]
    used: dict[str, list[str]] = defaultdict(list)
    for n in expected:
        entry = _allowance(n, config, allowed)
        if n not in ours and entry is not None:
            used[entry.kind].append(n)
    budget = int(DELIBERATE_SHARE * len(expected))
    print(f"\n== --config {config}: real Parsl passes {len(expected)}, we pass {len(ours)} of those "
          f"(allowed: {len(used['deliberate'])} deliberate, budget {budget}; {len(used['internal'])} "
          f"private internals)")
    extra = sorted(n for n, o in outcomes.items() if o.outcome == "passed" and n not in set(expected))
    if extra:
        print(f"   we also pass {len(extra)} tests real Parsl does not pass here")
    by_file: dict[str, list[str]] = defaultdict(list)
    for n in bad:
        by_file[file_of(n)].append(n)
    for f, nodes in sorted(by_file.items()):
        own = [n for n in nodes if outcome_of(n, alone[f]).outcome != "passed"]
        why = "fails on its own too" if own else "passes on its own: state leaked from an earlier file"
        print(f"-- {f}: {len(nodes)} unexpected failure(s); {why}")
        for n in nodes:
            o = outcome_of(n, outcomes)
            print(f"   {o.outcome.upper()} {n}\n      " + o.message.replace("\n", "\n      "))
    ok = not bad and len(used["deliberate"]) <= budget
    if len(used["deliberate"]) > budget:
        print(f"-- too many deliberate differences: {len(used['deliberate'])} > {budget}")
    print(f"{config}: {len(ours)} passed, {len(bad)} failed" if ok or bad else f"{config}: over budget")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("extract").add_argument("wheel", type=Path)
    for name in ("record", "check"):
        p = sub.add_parser(name)
        p.add_argument("configs", nargs="+", choices=CONFIGS)
        p.add_argument("--python", default=sys.executable, help="interpreter whose parsl is tested")
    args = parser.parse_args()
    if args.command == "extract":
        print(f"Parsl's tests extracted to {extract(args.wheel)}")
        return 0
    ok = True
    for config in args.configs:
        expected = HERE / f"passed-{config}.txt"
        if args.command == "record":
            record(config, args.python, expected)
        else:
            ok = check(config, args.python, expected) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
