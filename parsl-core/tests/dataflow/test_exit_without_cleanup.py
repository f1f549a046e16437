"""A script that ends without ``cleanup()`` (as tutorial cells do) is cleaned up at exit, quietly."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

#: Guards against a hang only.
GUARD = 300

SCRIPT = textwrap.dedent("""
    import sys
    import parsl
    from parsl.config import Config
    from parsl.executors.threads import ThreadPoolExecutor

    parsl.load(Config(executors=[ThreadPoolExecutor()], run_dir=sys.argv[1], usage_tracking=3))

    @parsl.python_app
    def add(x):
        return x + 1

    print(add(1).result())
    pending = add(2)  # not waited for: finished before the interpreter goes
""")


def test_script_without_cleanup_is_cleaned_up_at_exit(tmp_path: Path) -> None:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(GUARD)
    env = {k: v for k, v in os.environ.items() if k not in ("DO_NOT_TRACK", "PARSL_DISABLE_USAGE_TRACKING")}
    env["PARSL_USAGE_TRACKING_ENDPOINT"] = f"127.0.0.1:{receiver.getsockname()[1]}"
    script = tmp_path / "cell.py"
    script.write_text(SCRIPT)
    proc = subprocess.run([sys.executable, str(script), str(tmp_path / "runinfo")], capture_output=True, text=True,
                          timeout=GUARD, env=env)
    assert proc.returncode == 0 and proc.stdout == "2\n", proc.stderr
    assert proc.stderr == ""
    log = (tmp_path / "runinfo" / "000" / "parsl.log").read_text()
    assert "Python is exiting with a DFK still running: cleaning it up now" in log
    assert "Summary of tasks in DFK:\n  Tasks in state States.exec_done: 2" in log and "DFK cleanup complete" in log
    with receiver:
        start, end = (json.loads(receiver.recvfrom(65536)[0][1:]) for _ in range(2))
    assert start["correlator"] == end["correlator"]
    assert end["components"][0]["app_count"] == 2, "the end message was sent by the cleanup at exit"
