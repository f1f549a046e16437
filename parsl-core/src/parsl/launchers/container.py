"""``ContainerLauncher``: a block's worker pool runs inside a container image."""

from __future__ import annotations

import json
import logging
import shlex
import sys

from parsl.containers.app import Container
from parsl.launchers.base import Launcher
from parsl.plugins.settings import settings

logger = logging.getLogger(__name__)


@settings
class ContainerLauncher(Launcher):
    """Runs the worker command once, inside ``container`` (host network, the run directory bound).

    The pool in the image must import Parsl: install it in the image, or bind-mount the Python
    environment (``Container(mounts=[...])``) at the path the command names. ``python`` runs the
    launch wrapper on the node (default: the interpreter rendering the job script).
    """

    container: Container
    python: str = ""
    debug: bool = True

    def __call__(self, command: str, tasks_per_node: int, nodes_per_block: int, script_dir: str = "") -> str:
        if tasks_per_node > 1 or nodes_per_block > 1:
            logger.warning("ContainerLauncher starts one container per block; %d tasks per node on %d nodes "
                           "were requested", tasks_per_node, nodes_per_block)
        if not isinstance(self.container.runtime, str):
            raise TypeError("ContainerLauncher needs the container's runtime by plugin name (it is rendered "
                            f"into the job script), not {self.container.runtime!r}")
        spec = json.dumps(self.container.as_dict())
        python = self.python or sys.executable
        # in the background, so that a TERM to the block makes the script wait until the container is removed
        return (f"{shlex.quote(python)} -m parsl.containers.launch {shlex.quote(spec)} {shlex.quote(command)} &\n"
                "PARSL_CONTAINER_LAUNCH=$!\n"
                "trap 'wait $PARSL_CONTAINER_LAUNCH' TERM INT\n"
                "wait $PARSL_CONTAINER_LAUNCH\n")
