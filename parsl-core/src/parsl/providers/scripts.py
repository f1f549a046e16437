"""Where a provider writes a job's script and output files, how it writes the script, and how a
path is written into a script's directive lines (``#SBATCH --output=...``)."""

from __future__ import annotations

import logging
import os
import shlex
import tempfile
import time
from typing import NamedTuple, Optional

from parsl.providers.errors import JobPathError, ScriptPathError

logger = logging.getLogger(__name__)


class JobFiles(NamedTuple):
    """The absolute paths of one job's script and of the files its stdout and stderr go to."""

    script: str
    stdout: str
    stderr: str


def job_files(script_dir: Optional[str], job_name: str) -> JobFiles:
    """Paths for a new job named ``job_name`` in ``script_dir`` (created if missing).

    The DataFlowKernel sets ``script_dir`` to ``<run_dir>/submit_scripts``; a provider used on
    its own gets a fresh temporary directory. A timestamp keeps resubmitted names distinct.
    """
    if not script_dir:
        script_dir = tempfile.mkdtemp(prefix="parsl-submit-scripts-")
        logger.info("No script_dir set: writing job scripts to %s", script_dir)
    base = os.path.abspath(os.path.join(script_dir, f"{job_name}.{time.time():.6f}"))
    try:
        os.makedirs(script_dir, exist_ok=True)
    except OSError as e:
        raise ScriptPathError(base, e) from e
    return JobFiles(base + ".submit", base + ".stdout", base + ".stderr")


def write_script(path: str, text: str) -> None:
    """Write an executable job script, or raise ``ScriptPathError`` saying why not."""
    try:
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o755)
    except OSError as e:
        raise ScriptPathError(path, e) from e


def plain_path(scheduler: str, path: str) -> str:
    """``path`` unchanged if it needs no quoting at all, else ``JobPathError``.

    For schedulers whose directive syntax either has no quoting or could not be verified.
    """
    if shlex.quote(path) != path:
        raise JobPathError(scheduler, path, "its directives take only paths made of letters, digits and @%+=:,./-_")
    return path


def quoted_path(scheduler: str, path: str, backslash_escapes: bool) -> str:
    """``path`` in double quotes if it needs them; ``\\`` and ``\"`` escapes only if the syntax has them."""
    if "\n" in path or "\r" in path:
        raise JobPathError(scheduler, path, "a directive is one line, and the path has a line break")
    if shlex.quote(path) == path:
        return path
    if backslash_escapes:
        return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if '"' in path or "'" in path:
        raise JobPathError(scheduler, path, "its directives strip quotes and cannot escape them")
    return f'"{path}"'


def batch_script(directives: str) -> str:
    """A bash job-script template: ``directives`` (the scheduler's header lines, usually ending with
    ``${scheduler_options}``), then ``worker_init``, ``JOBNAME`` and the launcher's command."""
    return f'#!/bin/bash\n{directives}\n\n${{worker_init}}\n\nexport JOBNAME="${{jobname}}"\n\n${{user_script}}\n'
