"""Removes a container when the process that started it dies without saying it is done.

Run as a script (``python -S _guard.py SPEC``; it imports nothing of Parsl, so it starts fast) in
its own session, with its stdin the read end of a pipe the starting process keeps open. Reading
``done`` means the container ended normally; end-of-file without it (the worker was killed, the
task timed out or was cancelled) means: run the remove command, then kill the runtime client's
process group (and remove again: a daemon may finish a create the killed client asked for).
SPEC is JSON: ``{"remove": [argv] or null, "pgid": int}``.
"""

import json
import os
import signal
import subprocess
import sys
import time


def remove(argv: list) -> None:
    """Run the remove command until it works or says there is no such container.

    A daemon can refuse while the container is still stopping (podman: "container state
    improper"), so a refusal is retried a few times, a little later each time.
    """
    for attempt in range(6):
        if not argv:
            return
        done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if done.returncode == 0 or b"no such container" in done.stderr.lower():
            return
        time.sleep(0.1 * 2 ** attempt)


def main() -> None:
    spec = json.loads(sys.argv[1])
    if sys.stdin.buffer.read() == b"done":
        return
    remove(spec["remove"])
    try:
        os.killpg(spec["pgid"], signal.SIGKILL)
    except ProcessLookupError:
        return
    remove(spec["remove"])  # a daemon may have finished creating it for the client just killed


if __name__ == "__main__":
    main()
