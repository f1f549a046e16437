"""Every TOML site configuration shipped in ``parsl.configs`` round-trips through ``parsl config show``.

Run with every distribution installed: a file passes ``parsl config check`` and shows as a file that
loads to the same ``Config``, unless it names a plugin that is planned, not built: then that is its
only problem.
"""

from __future__ import annotations

import subprocess
import sys
from importlib.resources import files
from pathlib import Path

import pytest

from parsl.configfile import config_to_data, load_config_file

SITE_FILES = sorted(p.name for p in files("parsl.configs").iterdir() if p.name.endswith(".toml"))
PARSL = str(Path(sys.executable).parent / "parsl")
#: The files that name a plugin no distribution provides yet (``parsl.plugins.known.PLANNED_PLUGINS``).
PLANNED = {"toss3_llnl.toml", "vineex_local.toml", "wqex_local.toml"}


def _parsl(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PARSL, *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("name", SITE_FILES)
def test_site_file_round_trips_through_config_show(tmp_path: Path, name: str) -> None:
    path = Path(str(files("parsl.configs").joinpath(name)))
    check = _parsl("config", "check", str(path))
    assert (check.returncode != 0) == (name in PLANNED), check.stderr
    if name in PLANNED:
        problems = check.stderr.splitlines()[1:]
        assert problems and all("it is planned as parsl-" in p for p in problems), check.stderr
        return
    shown = _parsl("config", "show", str(path))
    assert shown.returncode == 0, shown.stderr
    again = tmp_path / name
    again.write_text(shown.stdout)
    assert config_to_data(load_config_file(again)) == config_to_data(load_config_file(path))
    assert _parsl("config", "show", str(again)).stdout == shown.stdout

