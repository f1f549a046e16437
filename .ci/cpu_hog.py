"""Keep every core busy while a command runs, and always stop the hog afterwards.

    python .ci/cpu_hog.py -- nox -s core

One busy-looping process per core (``os.cpu_count()``), each in the hog's own process group, so
that the whole hog is ended with one signal whatever way the command ends (success, failure,
Ctrl-C). The command's exit code is returned. Used by ``nox -s under-load``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys


def start(cores: int) -> subprocess.Popen:
    """The hog: one process group of ``cores`` busy processes."""
    code = "import multiprocessing as m, sys\n" \
           "def spin():\n    while True: pass\n" \
           f"ps = [m.Process(target=spin, daemon=True) for _ in range({cores})]\n" \
           "[p.start() for p in ps]\n" \
           "sys.stdin.read()\n"  # until the harness closes stdin (or the group is killed)
    return subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, start_new_session=True)


def stop(hog: subprocess.Popen) -> None:
    """End the hog's whole process group and reap its leader."""
    try:
        os.killpg(hog.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    hog.wait()


def main(argv: list[str]) -> int:
    if "--" in argv:
        argv = argv[argv.index("--") + 1:]
    if not argv:
        print("usage: cpu_hog.py -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    hog = start(os.cpu_count() or 1)
    try:
        return subprocess.call(argv)
    finally:
        stop(hog)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
