"""The published Parsl wheel our compatibility tests compare against, read without installing it.

``reference_wheel()`` returns the wheel of ``REFERENCE`` from ``$PARSL_REFERENCE_WHEEL`` (the nox
sessions download it once) or from a cache folder, downloading it there with pip when missing.
The wheel is only ever opened as a zip file: real Parsl is never imported into our interpreter.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REFERENCE = "parsl==2026.10.26"


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "parsl-reference"


def _pip() -> list[str]:
    """This interpreter's pip, else the one on PATH (venvs made by uv have none)."""
    if importlib.util.find_spec("pip") is not None:
        return [sys.executable, "-m", "pip"]
    found = shutil.which("pip3") or shutil.which("pip")
    return [found] if found else [sys.executable, "-m", "pip"]


def reference_wheel() -> Path:
    """The path of the reference wheel; a clear ``RuntimeError`` when it can be neither found nor fetched."""
    given = os.environ.get("PARSL_REFERENCE_WHEEL")
    if given:
        if not Path(given).is_file():
            raise RuntimeError(f"PARSL_REFERENCE_WHEEL={given}: no such file")
        return Path(given)
    version = REFERENCE.split("==")[1]
    cache = _cache_dir()
    found = sorted(cache.glob(f"parsl-{version}-*.whl"))
    if found:
        return found[0]
    cache.mkdir(parents=True, exist_ok=True)
    command = [*_pip(), "download", "--no-deps", "--only-binary=:all:", "-d", str(cache), REFERENCE]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    found = sorted(cache.glob(f"parsl-{version}-*.whl"))
    if done.returncode != 0 or not found:
        raise RuntimeError(
            f"cannot get the reference wheel {REFERENCE} (offline, or pip missing from this venv?): "
            f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()[-500:]}. "
            "Download it by hand and set PARSL_REFERENCE_WHEEL to its path.")
    return found[0]


def _module_name(path: str) -> str | None:
    if not path.startswith("parsl/") or not path.endswith(".py") or path.startswith("parsl/tests/"):
        return None
    parts = path[: -len(".py")].split("/")
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def wheel_modules(wheel: Path) -> dict[str, str]:
    """Module path -> its file inside the wheel, for every module of Parsl but its tests."""
    with zipfile.ZipFile(wheel) as z:
        return {name: path for path in z.namelist() if (name := _module_name(path)) is not None}


def wheel_source(wheel: Path, path: str) -> str:
    """The text of ``path`` inside the wheel."""
    with zipfile.ZipFile(wheel) as z:
        return z.read(path).decode("utf-8")


#: Starts each report line of ``_report``, so output that an imported module prints cannot hide it.
_REPORT_MARK = "@parsl-import-report@"


def _report() -> None:
    """Child side of ``import_report``: import each module named on stdin, print one JSON line each.

    Each line starts on a fresh line with ``_REPORT_MARK``: a module may print (the Globus Compute
    SDK prints a login prompt without a newline) and must not swallow the next report.
    """
    import importlib
    import json

    for name in sys.stdin.read().split():
        try:
            module = importlib.import_module(name)
        except Exception as e:  # every failure is data for the test, whatever its type
            print(f"\n{_REPORT_MARK}" + json.dumps([name, type(e).__name__, str(e), isinstance(e, ImportError), None]),
                  flush=True)
            continue
        config = getattr(module, "config", None) if name.startswith("parsl.configs.") else None
        described = None
        if config is not None:
            described = {"type": type(config).__name__, "labels": [x.label for x in config.executors],
                         "usage_tracking": config.usage_tracking}
        print(f"\n{_REPORT_MARK}" + json.dumps([name, "ok", "", False, described]), flush=True)


def import_report(modules: list[str], *, wrapper: list[str] | None = None,
                  env: dict[str, str] | None = None) -> dict[str, dict]:
    """Import ``modules`` in a fresh interpreter (run under ``wrapper``, e.g. a network namespace).

    Returns module -> ``{"outcome": "ok" or the exception type, "message", "import_error", "config"}``.
    """
    import json

    script = "from parsl.testing.reference import _report; _report()"
    command = [*(wrapper or []), sys.executable, "-c", script]
    done = subprocess.run(command, input="\n".join(modules), capture_output=True, text=True, timeout=600,
                          env=env)
    report = {}
    for line in done.stdout.splitlines():
        if line.startswith(_REPORT_MARK):
            name, outcome, message, import_error, config = json.loads(line[len(_REPORT_MARK):])
            report[name] = {"outcome": outcome, "message": message, "import_error": import_error, "config": config}
    if done.returncode != 0 or set(report) != set(modules):
        raise RuntimeError(f"import report failed (exit {done.returncode}): {done.stderr[-2000:]}")
    return report
