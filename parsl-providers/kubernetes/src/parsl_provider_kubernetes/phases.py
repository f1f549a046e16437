"""A pod's state as a block's ``JobState``: its phase, refined by its container's state.

Pods are created with ``restartPolicy: Never``, so the phase ends in ``Succeeded`` or ``Failed``
and the container's ``terminated`` state holds the exit code. A container that the node cannot
start (a bad image, a missing secret) leaves the pod ``Pending`` for ever: those waiting reasons
count as a failed block, with the node's own message.
"""

from __future__ import annotations

from typing import Any, Optional

import attrs

from parsl.jobs.states import JobState

PHASES = {
    "Pending": JobState.PENDING,
    "Running": JobState.RUNNING,
    "Succeeded": JobState.COMPLETED,
    "Failed": JobState.FAILED,
    "Unknown": JobState.UNKNOWN,
}

#: Waiting reasons after which the container does not start without someone changing something.
CANNOT_START = frozenset({
    "InvalidImageName", "ErrImageNeverPull", "ImagePullBackOff", "CreateContainerConfigError",
    "CreateContainerError", "RunContainerError", "CrashLoopBackOff",
})


@attrs.frozen
class PodOutcome:
    """What a pod says about its block: a state, why, the exit code, and whether a container ran."""

    state: JobState
    message: Optional[str] = None
    exit_code: Optional[int] = None
    ran: bool = False


def pod_outcome(pod: Any) -> PodOutcome:
    """Read a ``V1Pod`` (as the client returns it) into a ``PodOutcome``."""
    status = pod.status
    state = PHASES.get(getattr(status, "phase", None) or "Unknown", JobState.UNKNOWN)
    container = next(iter(getattr(status, "container_statuses", None) or []), None)
    if container is None or container.state is None:
        reason = " ".join(filter(None, [getattr(status, "reason", None), getattr(status, "message", None)]))
        return PodOutcome(state, reason or None)
    waiting, terminated = container.state.waiting, container.state.terminated
    if waiting is not None and waiting.reason in CANNOT_START:
        detail = f": {waiting.message}" if waiting.message else ""
        return PodOutcome(JobState.FAILED, f"container {container.name} cannot start: {waiting.reason}{detail}")
    if terminated is not None:
        detail = f": {terminated.message}" if terminated.message else ""
        message = f"container {container.name} exited with code {terminated.exit_code} ({terminated.reason}){detail}"
        return PodOutcome(state, message, terminated.exit_code, ran=True)
    return PodOutcome(state, None, None, ran=container.state.running is not None)
