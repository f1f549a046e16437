"""Which worker pools (managers) the interchange offers tasks to first."""

from __future__ import annotations

import random
from abc import ABCMeta, abstractmethod
from typing import Any, Iterable, Mapping


class ManagerSelector(metaclass=ABCMeta):
    """Orders the managers that have free capacity; the interchange fills them in that order."""

    @abstractmethod
    def sort_managers(self, ready_managers: Mapping[bytes, Any], manager_list: Iterable[bytes]) -> list[bytes]:
        """Return ``manager_list`` in the order tasks should go to them."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class RandomManagerSelector(ManagerSelector):
    """A random order: spreads tasks evenly over the nodes (the default)."""

    def sort_managers(self, ready_managers: Mapping[bytes, Any], manager_list: Iterable[bytes]) -> list[bytes]:
        managers = list(manager_list)
        if len(managers) > 1:
            random.shuffle(managers)
        return managers


class BlockIdManagerSelector(ManagerSelector):
    """Managers of the lowest block id first: keeps later blocks idle so they can be scaled in."""

    def sort_managers(self, ready_managers: Mapping[bytes, Any], manager_list: Iterable[bytes]) -> list[bytes]:
        def key(m: bytes) -> tuple[int, str]:
            block = str(ready_managers[m].block_id)
            return (int(block), "") if block.isdigit() else (1 << 62, block)

        return sorted(manager_list, key=key)
