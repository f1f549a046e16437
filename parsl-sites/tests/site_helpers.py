"""Helpers for parsl-sites' tests (a uniquely named module: pytest puts test folders on sys.path)."""

from __future__ import annotations

import subprocess
import sys


def run_cli(*argv: str) -> tuple[int, str, str]:
    """Run ``parsl ARGV`` in a child process (a fresh plugin manager, as a user gets)."""
    proc = subprocess.run([sys.executable, "-m", "parsl", *argv], capture_output=True, text=True, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr
