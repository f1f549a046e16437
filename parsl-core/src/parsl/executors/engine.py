"""What executors on an existing distributed engine (Dask, Ray, Globus Compute) share.

Such an executor hands each task to the engine's own scheduler and turns what the engine
reports into Parsl's terms: an engine it cannot reach is ``EngineUnreachable``, a task the engine
itself lost or could not return is ``EngineTaskFailed`` (with the engine's traceback text), and
a resource specification is checked key by key before anything is sent (``check_resource_spec``)
and against what the engine's workers offer (``unsatisfiable``), so a request no worker can
ever meet fails at submit instead of waiting forever.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable, Mapping, Optional

from parsl.errors import ParslError
from parsl.executors.errors import ExecutorError, InvalidResourceSpecification

#: Checks one resource-specification value; returns what is wrong with it, or None.
Validator = Callable[[Any], Optional[str]]


class EngineUnreachable(ExecutorError):
    """The executor could not connect to (or lost) its engine at ``address``."""

    def __init__(self, executor: Any, engine: str, address: str, reason: str) -> None:
        super().__init__(executor, reason)
        self.engine = engine
        self.address = address

    def __str__(self) -> str:
        return (f"Executor {getattr(self.executor, 'label', self.executor)}: cannot reach the {self.engine} "
                f"at {self.address}: {self.reason}")


class EngineTaskFailed(ExecutorError):
    """The engine failed a task for its own reasons (worker lost, result not serializable, cancelled).

    ``remote_traceback`` is the engine's traceback text when it gave one. A task whose own code
    raised never gets here: apps return that exception wrapped with its traceback.
    """

    def __init__(self, executor: Any, engine: str, address: str, reason: str,
                 remote_traceback: Optional[str] = None) -> None:
        super().__init__(executor, reason)
        ParslError.__init__(self, executor, engine, address, reason, remote_traceback)
        self.engine = engine
        self.address = address
        self.remote_traceback = remote_traceback

    def __str__(self) -> str:
        text = (f"Executor {getattr(self.executor, 'label', self.executor)}: the {self.engine} at "
                f"{self.address} failed the task: {self.reason}")
        if self.remote_traceback:
            text += f"\nRemote traceback:\n{self.remote_traceback.rstrip()}"
        return text


def non_negative_number(value: Any) -> Optional[str]:
    """A finite number >= 0 (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        return f"must be a finite number >= 0, got {value!r}"
    return None


def any_number(value: Any) -> Optional[str]:
    """A finite number (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return f"must be a finite number, got {value!r}"
    return None


def resource_amounts(value: Any) -> Optional[str]:
    """A mapping of resource name (str) to a finite amount >= 0."""
    if not isinstance(value, Mapping):
        return f"must be a mapping of resource name to amount, got {value!r}"
    for name, amount in value.items():
        if not isinstance(name, str):
            return f"has a resource name that is not a string: {name!r}"
        problem = non_negative_number(amount)
        if problem:
            return f"[{name!r}] {problem}"
    return None


def check_resource_spec(spec: Mapping[str, Any], validators: Mapping[str, Validator], executor: str) -> None:
    """Raise ``InvalidResourceSpecification`` naming every unknown key, or the first bad value."""
    unknown = set(spec) - set(validators)
    if unknown:
        raise InvalidResourceSpecification(
            unknown, f"{executor} accepts only {', '.join(sorted(validators))}")
    for key, value in spec.items():
        problem = validators[key](value)
        if problem:
            raise InvalidResourceSpecification({key}, f"{key} {problem}")


def unsatisfiable(request: Mapping[str, float], offers: Iterable[Mapping[str, float]]) -> Optional[str]:
    """Why no single offer (a worker's or node's resources) covers ``request``; None when one does.

    With no offers at all (a cluster still scaling up) nothing is decided: None.
    """
    offers = list(offers)
    if not request or not offers:
        return None
    for offer in offers:
        if all(offer.get(name, 0) >= amount for name, amount in request.items()):
            return None
    most = {name: max(o.get(name, 0) for o in offers) for name in request}
    short = ", ".join(f"{name}={request[name]} (largest offer {most[name]})"
                      for name in sorted(request) if most[name] < request[name])
    return f"no worker offers {short}" if short else f"no single worker offers all of {dict(request)}"
