"""One file through Globus Transfer: submit a task, follow it to its end, explain a failure."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from parsl.data_provider.staging_errors import StagingError
from parsl_staging_globus import auth

if TYPE_CHECKING:
    import globus_sdk

logger = logging.getLogger(__name__)

#: Seconds between two looks at a running transfer task (Parsl polls every 15 s).
POLL_INTERVAL = 15.0


def transfer_file(url: str, src_endpoint: str, dst_endpoint: str, src_path: str, dst_path: str, *,
                  direction: str, poll_interval: float = POLL_INTERVAL,
                  client: globus_sdk.TransferClient | None = None) -> str:
    """Copy ``src_path`` on one endpoint to ``dst_path`` on another; return the task id.

    Globus retries transient faults itself (they are logged as they appear). A task that ends
    in any state but SUCCEEDED (FAILED, or INACTIVE, e.g. expired endpoint credentials) is a
    ``StagingError`` naming ``url`` and Globus' last error event.
    """
    import globus_sdk

    try:
        tc = client or globus_sdk.TransferClient(authorizer=auth.transfer_authorizer())
        data = globus_sdk.TransferData(src_endpoint, dst_endpoint, label=f"parsl stage-{direction}",
                                       verify_checksum=True)
        data.add_item(src_path, dst_path)
        task_id = str(tc.submit_transfer(data)["task_id"])
        logger.debug("Globus task %s: %s:%s -> %s:%s", task_id, src_endpoint, src_path, dst_endpoint, dst_path)
        seen: set[str] = set()
        while True:
            task = tc.get_task(task_id)
            if task["status"] != "ACTIVE":
                break
            for event in _error_events(tc, task_id):
                if event["time"] not in seen:
                    seen.add(event["time"])
                    logger.warning("Globus task %s for %s: %s (%s); Globus retries", task_id, url,
                                   event["description"], event.get("details", ""))
            time.sleep(poll_interval)
        if task["status"] != "SUCCEEDED":
            events = _error_events(tc, task_id)
            why = f"{events[0]['description']}: {events[0].get('details', '')}".strip(": ") if events \
                else task.get("nice_status") or "no error event"
            raise StagingError(url, f"Globus task {task_id} ended {task['status']}: {why}", direction)
        return task_id
    except globus_sdk.GlobusAPIError as e:
        raise StagingError(url, f"Globus Transfer refused: {e.http_status} {e.code}: {e.message}", direction) from None
    except globus_sdk.NetworkError as e:
        raise StagingError(url, f"cannot reach Globus Transfer: {e}", direction) from None
    except auth.GlobusAuthError as e:
        raise StagingError(url, str(e), direction) from None


def _error_events(tc: globus_sdk.TransferClient, task_id: str) -> list[dict]:
    """The task's error events, newest first."""
    return [dict(e) for e in tc.task_event_list(task_id, limit=10) if e.get("is_error")]
