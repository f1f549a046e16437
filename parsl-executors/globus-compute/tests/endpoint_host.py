"""Run in the endpoint's own venv (upstream ``parsl`` + ``globus-compute-endpoint``), never with parsl-core.

Hosts a real ``ProcessPoolEngine`` and serves it over stdin/stdout, one JSON line per message:
``{"id": n, "task": <base64 messagepack Task>}`` in, ``{"id": n, "result": <base64 messagepack
Result>}`` out. End of input shuts the engine down. Prints ``ready`` once the engine started.
"""

from __future__ import annotations

import base64
import json
import sys
import tempfile
import threading
import uuid


def main() -> None:
    from globus_compute_common import messagepack
    from globus_compute_endpoint.engines import ProcessPoolEngine
    from globus_compute_endpoint.engines.base import GCFuture

    engine = ProcessPoolEngine(max_workers=2)
    engine.start(endpoint_id=uuid.uuid4(), run_dir=tempfile.mkdtemp(prefix="gc-endpoint-"))
    write = threading.Lock()

    def reply(n: int, fut: GCFuture) -> None:
        line = json.dumps({"id": n, "result": base64.b64encode(fut.result()).decode()})
        with write:
            print(line, flush=True)

    print("ready", flush=True)
    for line in sys.stdin:
        message = json.loads(line)
        packed = base64.b64decode(message["task"])
        fut = GCFuture(messagepack.unpack(packed).task_id)
        fut.add_done_callback(lambda f, n=message["id"]: reply(n, f))
        engine.submit(fut, packed, {})
    engine.shutdown(block=True)


if __name__ == "__main__":
    main()
