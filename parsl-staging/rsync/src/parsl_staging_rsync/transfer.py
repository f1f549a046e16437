"""Running rsync over SSH for one file, in either direction.

Remote files are named ``rsync://[user@]host[:port]/absolute/path``; the transfer is rsync over
SSH (``host:/absolute/path``), not the rsync daemon protocol. rsync itself writes to a temporary
name and renames, on either side, so a broken transfer never leaves a complete-looking file.
"""

from __future__ import annotations

import subprocess
from urllib.parse import unquote, urlsplit

from parsl.data_provider.staging_errors import StagingError

#: Seconds without I/O before rsync gives up (rsync --timeout).
TIMEOUT = 60


def remote_spec(url: str, ssh_command: str | None) -> tuple[str, str]:
    """rsync's ``[user@]host:/path`` for ``url``, and the remote shell to reach it."""
    parts = urlsplit(url)
    if not parts.hostname or not parts.path.startswith("/"):
        raise StagingError(url, "expected rsync://[user@]host[:port]/absolute/path")
    user = f"{unquote(parts.username)}@" if parts.username else ""
    shell = ssh_command or "ssh"
    if parts.port:
        shell = f"{shell} -p {parts.port}"
    return f"{user}{parts.hostname}:{unquote(parts.path)}", shell


def _rsync(url: str, shell: str, src: str, dest: str, timeout: int) -> None:
    argv = ["rsync", "--quiet", "--times", f"--timeout={timeout}", "-e", shell, src, dest]
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise StagingError(url, "rsync is not installed on this node") from None
    if proc.returncode != 0:
        lines = [ln.strip() for ln in proc.stderr.splitlines()
                 if ln.strip() and not ln.startswith("Warning: Permanently added")]
        detail = "; ".join(lines[:2]) or "no message"
        raise StagingError(url, f"rsync exited with code {proc.returncode}: {detail}")


def fetch(url: str, path: str, ssh_command: str | None = None, timeout: int = TIMEOUT) -> None:
    """Copy the remote file ``url`` to the local ``path``."""
    spec, shell = remote_spec(url, ssh_command)
    _rsync(url, shell, spec, path, timeout)


def upload(path: str, url: str, ssh_command: str | None = None, timeout: int = TIMEOUT) -> None:
    """Copy the local file ``path`` to the remote ``url`` (its directory must exist)."""
    spec, shell = remote_spec(url, ssh_command)
    _rsync(url, shell, path, spec, timeout)

