"""What the hub and the writer process share: the frame format, the URL's variable, the spill file.

Standard library only: the workflow's process imports this, and never SQLAlchemy.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import struct
from typing import Any

from parsl_monitoring.records import task_event

logger = logging.getLogger(__name__)

#: A frame on the writer's input: 8-byte big-endian length, then a pickled list of (kind, event).
FRAME = struct.Struct(">Q")

#: The environment variable that carries the database URL to the writer process (see ``main``).
URL_VARIABLE = "PARSL_MONITORING_WRITER_URL"


def spill(path: str, events: list[tuple[str, Any]], error: Any) -> int:
    """Append events that could not be written to ``path`` as JSON lines; return how many."""
    if not events:
        return 0
    try:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "a", encoding="utf-8") as f:
            for kind, event in events:
                if kind == "task":
                    event = task_event(event)
                f.write(json.dumps({"kind": kind, "event": event}, default=_json_default) + "\n")
    except OSError as e:
        logger.error("monitoring: %d events could not be written to the database (%s) nor to %s: %s",
                     len(events), error, path, e)
        return 0
    logger.error("monitoring: %d events could not be written to the database (%s); they were saved to %s",
                 len(events), error, path)
    return len(events)


def _json_default(value: Any) -> Any:
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.isoformat()
    return str(value)
