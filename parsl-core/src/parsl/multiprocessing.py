"""Parsl's ``parsl.multiprocessing``: named start-method contexts and a bounded process shutdown.

Helper processes should be started with an explicit context: fork copies a threaded parent's
locks mid-use, so Parsl code asks for ``SpawnProcess`` (or, knowingly, ``ForkProcess``).
"""

from __future__ import annotations

import logging
import multiprocessing
from multiprocessing.context import ForkProcess as ForkProcessType
from multiprocessing.context import SpawnProcess as SpawnProcessType
from typing import Callable

logger = logging.getLogger(__name__)

ForkContext = multiprocessing.get_context("fork")
SpawnContext = multiprocessing.get_context("spawn")

ForkProcess: Callable[..., ForkProcessType] = ForkContext.Process
SpawnProcess: Callable[..., SpawnProcessType] = SpawnContext.Process
SpawnEvent = SpawnContext.Event
SpawnQueue = SpawnContext.Queue


def join_terminate_close_proc(process: SpawnProcessType, *, timeout: int = 30) -> None:
    """Wait up to ``timeout`` seconds for ``process`` to end, then terminate or kill it, and close it.

    Never hangs: a process that ignores SIGTERM for another ``timeout`` seconds is killed.
    """
    process.join(timeout)
    if process.is_alive():
        logger.warning("process %s did not end within %ss: terminating it", process.pid, timeout)
        process.terminate()
        process.join(timeout)
        if process.is_alive():
            logger.warning("process %s ignored SIGTERM: killing it", process.pid)
            process.kill()
            process.join()
    process.close()
