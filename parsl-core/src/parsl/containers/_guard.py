"""Removes a container when the process that started it dies without saying it is done.

Run as a script (``python -S _guard.py SPEC``; it imports nothing of Parsl, so it starts fast) in
its own session, with its stdin the read end of a pipe the starting process keeps open. Reading
``done`` means the container ended normally; end-of-file without it (the worker was killed, the
task timed out or was cancelled) means: run the remove command, then kill the runtime client's
process group. SPEC is JSON: ``{"remove": [argv] or null, "pgid": int}``.
"""

import json
import os
import signal
import subprocess
import sys


def main() -> None:
    spec = json.loads(sys.argv[1])
    if sys.stdin.buffer.read() == b"done":
        return
    if spec["remove"]:
        subprocess.run(spec["remove"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    try:
        os.killpg(spec["pgid"], signal.SIGKILL)
    except ProcessLookupError:
        pass


if __name__ == "__main__":
    main()
