"""Measure what a process moves over TCP, from the kernel's own per-socket counters (Linux ``ss``).

Used to check and to benchmark what crosses a helper process such as HTEX's interchange:
ZeroMQ's ``send``/``recv`` calls do not show in ``/proc/<pid>/io``, but every TCP socket keeps
``bytes_sent`` and ``bytes_received``.
"""

from __future__ import annotations

import re
import subprocess

_COUNTER = re.compile(r"\bbytes_(?:sent|received):(\d+)")


def tcp_bytes(pid: int) -> int:
    """Bytes sent plus received so far on the open TCP sockets of process ``pid``."""
    out = subprocess.run(["ss", "-tinpH"], check=True, capture_output=True, text=True).stdout
    total = 0
    owned = False
    for line in out.splitlines():
        if not line[:1].isspace():  # a socket line; its counters follow on the indented line
            owned = f"pid={pid}," in line
        elif owned:
            total += sum(int(n) for n in _COUNTER.findall(line))
    return total
