"""How the DataFlowKernel finds the futures an app call depends on, and replaces them by values.

``SHALLOW_DEPENDENCY_RESOLVER`` (the default) looks only at the arguments themselves and the
members of ``inputs``; ``DEEP_DEPENDENCY_RESOLVER`` also looks inside lists, tuples, sets and
dicts. Both are built from ``functools.singledispatch`` functions, so a program can teach them
about its own container types with ``deep_traverse_to_gather.register(MyType)``.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from functools import singledispatch
from typing import TYPE_CHECKING, Any, Callable, Sequence

if TYPE_CHECKING:
    from functools import _SingleDispatchCallable


@dataclass
class DependencyResolver:
    """A pair of functions: which futures must finish first, and what to pass once they have."""

    traverse_to_gather: Callable[[object], Sequence[Future]]
    traverse_to_unwrap: Callable[[object], object]


def _future_result(fut: Future) -> Any:
    return fut.result()


def _just(fut: Future) -> Sequence[Future]:
    return [fut]


def _traversals(kind: str) -> tuple[_SingleDispatchCallable[Sequence[Future]], _SingleDispatchCallable[object]]:
    """A new gather/unwrap pair of singledispatch functions (``<kind>_traverse_to_*``) that know futures."""

    def gather(o: object) -> Sequence[Future]:
        return []

    def unwrap(o: object) -> object:
        return o

    for fn in (gather, unwrap):
        fn.__name__ = fn.__qualname__ = f"{kind}_traverse_to_{fn.__name__}"
    gather_dispatch, unwrap_dispatch = singledispatch(gather), singledispatch(unwrap)
    gather_dispatch.register(Future, _just)
    unwrap_dispatch.register(Future, _future_result)
    return gather_dispatch, unwrap_dispatch


shallow_traverse_to_gather, shallow_traverse_to_unwrap = _traversals("shallow")
deep_traverse_to_gather, deep_traverse_to_unwrap = _traversals("deep")


@deep_traverse_to_gather.register(tuple)
@deep_traverse_to_gather.register(list)
@deep_traverse_to_gather.register(set)
def _(iterable: Any) -> Sequence[Future]:
    return [f for v in iterable for f in deep_traverse_to_gather(v)]


@deep_traverse_to_unwrap.register(tuple)
@deep_traverse_to_unwrap.register(list)
@deep_traverse_to_unwrap.register(set)
def _(iterable: Any) -> object:
    return type(iterable)(map(deep_traverse_to_unwrap, iterable))


@deep_traverse_to_gather.register(dict)
def _(dictionary: dict) -> Sequence[Future]:
    futures: list = []
    for key, value in dictionary.items():
        futures.extend(deep_traverse_to_gather(key))
        futures.extend(deep_traverse_to_gather(value))
    return futures


@deep_traverse_to_unwrap.register(dict)
def _(dictionary: dict) -> object:
    return {deep_traverse_to_unwrap(k): deep_traverse_to_unwrap(v) for k, v in dictionary.items()}


DEEP_DEPENDENCY_RESOLVER = DependencyResolver(traverse_to_gather=deep_traverse_to_gather,
                                              traverse_to_unwrap=deep_traverse_to_unwrap)
SHALLOW_DEPENDENCY_RESOLVER = DependencyResolver(traverse_to_gather=shallow_traverse_to_gather,
                                                 traverse_to_unwrap=shallow_traverse_to_unwrap)

#: Registry sizes of the shallow resolver as shipped; while unchanged, the DataFlowKernel may
#: use an equivalent inline ``isinstance(x, Future)`` test instead of dispatching.
_SHALLOW_REGISTRY_SIZES = (len(shallow_traverse_to_gather.registry), len(shallow_traverse_to_unwrap.registry))


def is_plain_shallow(resolver: DependencyResolver) -> bool:
    """Whether ``resolver`` is the shallow resolver with no types registered by the program."""
    return resolver is SHALLOW_DEPENDENCY_RESOLVER and _SHALLOW_REGISTRY_SIZES == (
        len(shallow_traverse_to_gather.registry), len(shallow_traverse_to_unwrap.registry))
