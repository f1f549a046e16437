"""``python -m parsl.containers.launch CONTAINER_JSON COMMAND``: run a shell command in a container.

What ``ContainerLauncher`` puts in a job script: the command (a worker pool) runs under
``/bin/bash -c`` in the container, guarded like a container app, so that cancelling the block
(a TERM to this process) removes the container before this process exits. Exits with the
container's exit code.
"""

from __future__ import annotations

import json
import signal
import sys

from parsl.containers.app import Container
from parsl.containers.errors import ContainerError
from parsl.containers.run import stop_all


def main(argv: list[str]) -> int:
    container_json, command = argv
    signal.signal(signal.SIGTERM, lambda signum, frame: stop_all())  # the run then removes the container
    container = Container(**json.loads(container_json))
    try:
        done = container.run(["/bin/bash", "-c", command], stdout=sys.stdout, stderr=sys.stderr)
    except ContainerError as e:
        print(f"parsl.containers.launch: {e}", file=sys.stderr)
        return 1
    return done.returncode if done.returncode >= 0 else 128 - done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
