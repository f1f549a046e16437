"""Where a provider writes a job's script and output files, and how it writes the script."""

from __future__ import annotations

import logging
import os
import tempfile
import time
from typing import NamedTuple, Optional

from parsl.providers.errors import ScriptPathError

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
