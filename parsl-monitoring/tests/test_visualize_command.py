"""``parsl-visualize`` and ``parsl monitor serve`` as commands: bind 127.0.0.1, serve, stop on a signal."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

BIN = os.path.dirname(sys.executable)


def _interruptible() -> None:
    # a shell runs background jobs with SIGINT ignored, and the command would inherit that: then
    # Python installs no KeyboardInterrupt handler and the SIGINT below would be lost
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start(args: list[str]) -> tuple[subprocess.Popen, str]:
    p = subprocess.Popen(args, stderr=subprocess.PIPE, text=True, preexec_fn=_interruptible)
    line = p.stderr.readline()
    m = re.search(r"at (http://[\d.]+:\d+/)", line)
    if not m:
        p.kill()
        pytest.fail(f"no URL announced: {line!r} {p.stderr.read()}")
    return p, m.group(1)


def stop(p: subprocess.Popen) -> int:
    p.send_signal(signal.SIGINT)
    try:
        code = p.wait(timeout=60)  # a cap only: it stops in well under a second
    except subprocess.TimeoutExpired:
        p.kill()  # a failed test leaves no server behind
        p.wait()
        raise
    p.stderr.close()
    return code


@pytest.mark.parametrize("command", [["parsl-visualize", "--port", "0"], ["parsl", "monitor", "serve", "--port", "0"]])
def test_serves_on_localhost(known_run, command):
    p, url = start([os.path.join(BIN, command[0]), *command[1:], known_run["url"]])
    try:
        assert url.startswith("http://127.0.0.1:")
        page = urllib.request.urlopen(url + f"workflow/{known_run['run_id']}/").read().decode()
        assert "Dependency graph" in page and 'id="tasks-data"' in page
        js = urllib.request.urlopen(url + "static/dashboard.js")
        assert js.headers["Content-Type"].startswith("text/javascript")
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(url + "static/../hub.py")
        assert e.value.code == 404
    finally:
        assert stop(p) == 0


def test_missing_database_is_a_clear_error(tmp_path):
    p = subprocess.run([os.path.join(BIN, "parsl-visualize"), str(tmp_path / "nothing.db")],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1
    assert p.stderr.startswith("parsl-visualize: ") and "does not exist" in p.stderr and "Traceback" not in p.stderr
