"""Test sessions: one per distribution (the core plus that distribution only), integration, lint,
typecheck (mypy over every distribution), Parsl's own test suite, bench.

    nox                    # every session but bench and parsl-suite-record
    nox -s core            # one distribution
    nox -s parsl-suite     # Parsl's published test suite, unchanged, against every distribution here
    nox -s parsl-suite-record  # record what real Parsl passes here (its own venv), then check ours
    nox -s provider-slurm  # starts a real single-node Slurm first (needs root)
    nox -s bench           # benchmarks against real Parsl and Dask, in their own venv
    nox -s under-load      # the default run three times with every core busy (flaky tests show)
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nox
import tomllib

ROOT = Path(__file__).parent
nox.options.default_venv_backend = "uv"
nox.options.error_on_missing_interpreters = True

#: Real Parsl release the benchmarks compare against.
PARSL_REFERENCE = "parsl==2026.10.26"

#: What Parsl's conftest and tests import beyond Parsl itself, installed beside both real Parsl and
#: ours (pytest-timeout turns a hung test into one failure instead of a hung run).
PARSL_SUITE_REQUIREMENTS = ["pytest>=7.4,<8", "pytest-timeout", "typeguard>=4,<5", "numpy", "pandas", "proxystore"]
PARSL_SUITE = ROOT / "tests" / "parsl_suite" / "runner.py"

#: CI services (scripts in .ci/services/) a distribution's tests need running.
SERVICES = {
    "parsl-executor-htex": ["netns"],
    "parsl-provider-slurm": ["slurm", "mpi"],  # its MPI tests run MPICH programs on a private cluster
    "parsl-provider-gridengine": ["gridengine"],
    "parsl-staging-rsync": ["sshd"],
    "parsl-channel-ssh": ["sshd", "netns"],  # openssh-server, iproute2, iptables; the tests make their own hosts
    "parsl-monitoring": ["postgres", "chromium"],
    "parsl-container-podman": ["podman"],
    "parsl-container-docker": ["podman"],
    "parsl-container-charliecloud": ["charliecloud"],
    "parsl-provider-aws": ["moto"],  # googlecloud's tests start the pinned gcplocal themselves
    "parsl-provider-kubernetes": ["kube", "podman"],
    "parsl-cwl": ["podman"],  # DockerRequirement tools run in the test images
}

#: CI services the cross-distribution tests in tests/ need: htex on Slurm, SSH channels and rsync
#: staging, and sites in network namespaces (a test that needs another service fails, naming it).
INTEGRATION_SERVICES = ["netns", "slurm", "sshd"]

#: Services stopped again when the session that started them ends (they hold ports and memory
#: that nothing else needs: kube-apiserver with its etcd).
STOPPED_AFTER_SESSION = {"kube"}

#: Other distributions a distribution's tests need beside the core (parsl-sites checks each site's
#: rendered config, which names these plugins).
def _distributions() -> dict[str, Path]:
    """Distribution name -> folder, for every folder holding a pyproject.toml."""
    folders = sorted(p.parent for p in ROOT.glob("parsl-*/pyproject.toml"))  # core and capabilities
    for group in ("parsl-executors", "parsl-providers", "parsl-staging", "parsl-containers", "parsl-channels"):
        folders += sorted(p.parent for p in (ROOT / group).glob("*/pyproject.toml"))
    dists = {}
    for folder in folders:
        if (folder / "pyproject.toml").exists():
            name = tomllib.loads((folder / "pyproject.toml").read_text())["project"]["name"]
            dists[name] = folder
    return dists


DISTRIBUTIONS = _distributions()


def _session_name(dist: str) -> str:
    return "core" if dist == "parsl-core" else dist.removeprefix("parsl-")


def _has_test_extra(folder: Path) -> bool:
    project = tomllib.loads((folder / "pyproject.toml").read_text())["project"]
    return "test" in project.get("optional-dependencies", {})


def _local_test_dependencies(folder: Path) -> list[Path]:
    """Folders of this repository's distributions that ``folder``'s test extra names (e.g. htex)."""
    project = tomllib.loads((folder / "pyproject.toml").read_text())["project"]
    wanted = [req.split(">")[0].split("=")[0].split("[")[0].strip()
              for req in project.get("optional-dependencies", {}).get("test", [])]
    return [DISTRIBUTIONS[name] for name in wanted if name in DISTRIBUTIONS]


def _install(session: nox.Session, *folders: Path) -> None:
    """Install ``folders`` editable with their test extras, and the repository's distributions
    those extras name (which are on no package index). uv too: the tests that build venvs of their
    own (a third-party plugin's, a Globus Compute endpoint's) find it in the session's venv, however
    nox itself was started (``python -m nox`` leaves uv off PATH)."""
    folders = tuple(dict.fromkeys(dep for f in folders for dep in (*_local_test_dependencies(f), f)))
    specs = [f"{f}[test]" if _has_test_extra(f) else str(f) for f in folders]
    session.install("pytest", "uv", *[arg for spec in specs for arg in ("-e", spec)])


def _start_services(session: nox.Session, names: list[str]) -> None:
    for name in names:
        session.run("bash", str(ROOT / ".ci" / "services" / f"{name}.sh"), "start", external=True)


def _stop_services(session: nox.Session, names: list[str]) -> None:
    for name in names:
        if name in STOPPED_AFTER_SESSION:
            session.run("bash", str(ROOT / ".ci" / "services" / f"{name}.sh"), "stop", external=True)


def _make_dist_session(dist: str, folder: Path) -> None:
    @nox.session(name=_session_name(dist))
    def tests(session: nox.Session) -> None:
        _install(session, DISTRIBUTIONS["parsl-core"], folder)
        try:
            _start_services(session, SERVICES.get(dist, []))
            session.run("pytest", "-q", "-p", "no:cacheprovider", str(folder / "tests"), *session.posargs)
        finally:
            _stop_services(session, SERVICES.get(dist, []))

    alone = "parsl-core alone" if dist == "parsl-core" else f"only parsl-core and {dist} installed"
    if peers := [p.name for p in _local_test_dependencies(folder)]:
        alone = f"parsl-core, {dist} and the plugins its tests use ({', '.join(peers)})"
    tests.__doc__ = f"{dist}: its own tests, with {alone}."


for _dist, _folder in DISTRIBUTIONS.items():
    _make_dist_session(_dist, _folder)


@nox.session
def integration(session: nox.Session) -> None:
    """Every distribution installed together; the cross-distribution tests in tests/."""
    _install(session, *DISTRIBUTIONS.values())
    session.install("hypothesis", "pip")  # pip: the compatibility tests download the reference Parsl wheel
    try:
        _start_services(session, INTEGRATION_SERVICES)
        session.run("pytest", "-q", "-p", "no:cacheprovider", str(ROOT / "tests"), *session.posargs)
    finally:
        _stop_services(session, INTEGRATION_SERVICES)


#: The CWL conformance driver: cwltool and parsl-cwl (threads, HTEX) on the suite, in one session.
CWL_CONFORMANCE = ROOT / "parsl-cwl" / "conformance" / "run.py"


@nox.session(name="cwl-conformance")
def cwl_conformance(session: nox.Session) -> None:
    """CWL conformance, the ``required`` tests: cwltool, then parsl-cwl on local threads and on HTEX;
    fails when parsl-cwl misses a test cwltool passes (suite: $PARSL_CWL_CONFORMANCE)."""
    _install(session, DISTRIBUTIONS["parsl-core"], DISTRIBUTIONS["parsl-cwl"])
    session.run("python", str(CWL_CONFORMANCE), "--tags", "required", *session.posargs)


@nox.session(name="cwl-conformance-all", default=False)
def cwl_conformance_all(session: nox.Session) -> None:
    """CWL conformance, every test of the suite: cwltool and parsl-cwl on local threads, at the same
    time; prints each runner's passed/total as a JSON line, and the tests ours fails that cwltool passes."""
    _install(session, DISTRIBUTIONS["parsl-core"], DISTRIBUTIONS["parsl-cwl"])
    session.run("python", str(CWL_CONFORMANCE), "--runners", "cwltool,threads", "--concurrent", *session.posargs)


@nox.session
def tutorials(session: nox.Session) -> None:
    """Execute every cell of the tutorial notebooks on fresh kernels: on local threads, then on local HTEX."""
    _install(session, *(DISTRIBUTIONS[d] for d in ("parsl-core", "parsl-executor-htex", "parsl-monitoring")))
    session.install("nbclient", "nbformat", "ipykernel")
    runner = str(ROOT / "tutorials" / "run_notebooks.py")
    session.run("python", runner, *session.posargs)
    session.run("python", runner, "--config", str(ROOT / "examples" / "htex-local.toml"), *session.posargs)


@nox.session
def docs(session: nox.Session) -> None:
    """The documentation site (MkDocs + mkdocstrings), strict: a warning, a broken link or an unresolved
    cross-reference fails the build; nothing is fetched from the network."""
    _install(session, DISTRIBUTIONS["parsl-core"], DISTRIBUTIONS["parsl-sites"])
    session.install("mkdocs>=1.6", "mkdocstrings[python]>=0.26")
    session.run("mkdocs", "build", "--strict", "--config-file", str(ROOT / "mkdocs.yml"),
                "--site-dir", str(Path(session.virtualenv.location) / "site"))


@nox.session
def lint(session: nox.Session) -> None:
    """ruff over the whole repository."""
    session.install("ruff")
    session.run("ruff", "check", str(ROOT))


def _with_features(folder: Path) -> str:
    """``folder[extra,...]`` with every optional feature (extras but ``test``), so that the code
    behind them is type-checked against the libraries it uses."""
    project = tomllib.loads((folder / "pyproject.toml").read_text())["project"]
    extras = sorted(set(project.get("optional-dependencies", {})) - {"test"})
    return f"{folder}[{','.join(extras)}]" if extras else str(folder)


def _oldest_python(folder: Path) -> str:
    """The oldest Python a distribution supports (its ``requires-python = ">=3.X"``), to check it against."""
    spec = tomllib.loads((folder / "pyproject.toml").read_text())["project"].get("requires-python", "")
    found = re.search(r">=\s*(\d+\.\d+)", spec)
    return found.group(1) if found else "3.10"


#: What mypy needs besides the distributions' own dependencies: stubs for libraries that ship no
#: types, pytest (the core's conformance kit, parsl.testing, imports it) and tomli (imported on
#: Python 3.10, the version mypy checks against).
TYPECHECK_DEPS = ["types-PyYAML", "types-requests", "types-psutil", "pandas-stubs", "pytest", "tomli"]


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy (settings in mypy.ini) over the src/ of every distribution, one at a time, all installed."""
    editables = [arg for folder in DISTRIBUTIONS.values() for arg in ("-e", _with_features(folder))]
    session.install("mypy", *TYPECHECK_DEPS, *editables)
    failed = []
    for dist, folder in DISTRIBUTIONS.items():
        session.log(f"mypy: {dist}")
        try:
            session.run("mypy", "--config-file", str(ROOT / "mypy.ini"), "--python-version", _oldest_python(folder),
                        str(folder / "src"))
        except nox.command.CommandFailed:
            failed.append(dist)
    if failed:
        session.error(f"mypy found errors in {', '.join(failed)}")


def _parsl_wheel(session: nox.Session) -> Path:
    """The published wheel of ``PARSL_REFERENCE``, downloaded once with pip into nox's folder."""
    cache = Path(session.virtualenv.location).parent / "parsl-wheel"
    if not list(cache.glob("parsl-*.whl")):
        session.install("pip")
        session.run("python", "-m", "pip", "download", "-q", "--no-deps", "-d", str(cache), PARSL_REFERENCE)
    return next(cache.glob("parsl-*.whl"))


def _check_parsl_suite(session: nox.Session) -> None:
    # not editable: Parsl's tests are unpacked into our installed parsl package, as parsl.tests
    session.install(*PARSL_SUITE_REQUIREMENTS, *map(str, DISTRIBUTIONS.values()))
    session.run("python", str(PARSL_SUITE), "extract", str(_parsl_wheel(session)))
    session.run("python", str(PARSL_SUITE), "check", *(session.posargs or ["local", "local_threads", "htex_local"]))


@nox.session(name="parsl-suite")
def parsl_suite(session: nox.Session) -> None:
    """Parsl's own test suite, unchanged, against our packages (differences: docs/compatibility.md).

    Every test real Parsl passes here (tests/parsl_suite/passed-*.txt) must pass.
    """
    _check_parsl_suite(session)


@nox.session(name="parsl-suite-record", default=False)
def parsl_suite_record(session: nox.Session) -> None:
    """Record the tests real Parsl passes here (in its own venv), then check ours in the same session."""
    reference = Path(session.virtualenv.location).parent / "parsl-suite-reference"
    python = reference / "bin" / "python"
    if not python.exists():
        session.run("uv", "venv", "-q", str(reference), external=True)
    monitoring = PARSL_REFERENCE.replace("parsl", "parsl[monitoring]", 1)  # as Parsl's CI installs it
    session.run("uv", "pip", "install", "-q", "--python", str(python), monitoring, *PARSL_SUITE_REQUIREMENTS,
                external=True)
    configs = session.posargs or ["local", "local_threads", "htex_local"]
    session.run("python", str(PARSL_SUITE), "record", *configs, "--python", str(python))
    _check_parsl_suite(session)


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Benchmarks: ours (this venv) against real Parsl and Dask (their own venv), same run."""
    _install(session, *DISTRIBUTIONS.values())
    session.install("psutil", "dask[distributed]", "matplotlib")  # matplotlib: bench_scale.py's plot
    reference = Path(session.virtualenv.location).parent / "parsl-reference"
    python = reference / "bin" / "python"
    if not python.exists():
        session.run("uv", "venv", "-q", str(reference), external=True)
    session.run("uv", "pip", "install", "-q", "--python", str(python), PARSL_REFERENCE, "dask[distributed]",
                "psutil", external=True)
    for script in sorted((ROOT / "bench").glob("bench_*.py")):
        # scripts that compare against real Parsl take its interpreter; the others compare within ours
        reference_args = ["--parsl-python", str(python)] if "--parsl-python" in script.read_text() else []
        session.run("python", str(script), *reference_args, *session.posargs,
                    env={"PYTHONUNBUFFERED": "1", **({"CI": os.environ["CI"]} if "CI" in os.environ else {})})


@nox.session(name="under-load", default=False, python=False)
def under_load(session: nox.Session) -> None:
    """Sessions run again and again with every core kept busy (.ci/cpu_hog.py): flaky tests show.

        nox -s under-load                                  # the default run, three times
        nox -s under-load -- --times 5 core monitoring     # these sessions, five times

    Every repetition runs under a fresh hog, stopped whatever the outcome; all repetitions run and
    the session fails at the end if any did, after a line per repetition.
    """
    args = list(session.posargs)
    times = 3
    if "--times" in args:
        at = args.index("--times")
        try:
            times = int(args[at + 1])
        except (IndexError, ValueError):
            session.error(f"--times takes a whole number of repetitions, got {args[at + 1:at + 2] or 'nothing'}")
        if times < 1:
            session.error(f"--times must be at least 1, got {times}")
        del args[at:at + 2]
    nox_command = [sys.executable, "-m", "nox", "-f", str(ROOT / "noxfile.py")]
    listing = subprocess.run([*nox_command, "--list", "--json"], capture_output=True, text=True, check=True)
    known = {s["session"] for s in json.loads(listing.stdout)}
    if unknown := [name for name in args if name not in known]:
        session.error(f"no nox session named {', '.join(unknown)} (nox -l lists them)")
    command = [sys.executable, str(ROOT / ".ci" / "cpu_hog.py"), "--", *nox_command, *(["-s", *args] if args else [])]
    results = []
    for i in range(1, times + 1):
        session.log(f"under load, repetition {i}/{times}: {' '.join(args) or 'the default sessions'}")
        # the first repetition makes fresh venvs; the later ones reuse them (their installs still run)
        results.append(subprocess.call(command if i == 1 else [*command, "--reuse-venv", "yes"]))
    for i, code in enumerate(results, 1):
        session.log(f"repetition {i}: {'passed' if code == 0 else f'FAILED (exit code {code})'}")
    if any(results):
        session.error(f"{sum(1 for c in results if c)} of {times} repetitions under load failed")
