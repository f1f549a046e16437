"""The base class of every launcher plugin."""

from __future__ import annotations

from abc import ABCMeta, abstractmethod


class Launcher(metaclass=ABCMeta):
    """Wraps a worker command so that it runs once per task slot across a block's nodes."""

    debug: bool = True

    @abstractmethod
    def __call__(self, command: str, tasks_per_node: int, nodes_per_block: int,
                 script_dir: str = "") -> str:
        """Return the shell text that runs ``command`` on every node and slot of a block."""
