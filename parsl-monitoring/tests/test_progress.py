"""Live progress: rich in a real terminal (a pty), nothing when not a terminal, HTML in Jupyter."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import textwrap

from parsl_monitoring import progress

SCRIPT = textwrap.dedent("""
    from parsl import python_app

    @python_app
    def nap(i):
        import time
        time.sleep(0.02)
        if i == 7:
            raise ValueError(i)
        return i

    futures = [nap(i) for i in range(40)]
    print("results", sum(f.result() for f in futures if f.exception() is None))
""")


def parsl_run(tmp_path, env: dict, terminal: bool, stdout_too: bool = False) -> tuple[int, str, str]:
    """``parsl run`` a 40-task script; (exit code, stdout, what was written to the terminal)."""
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    parsl_cmd = os.path.join(os.path.dirname(sys.executable), "parsl")
    full_env = {**os.environ, "COLUMNS": "160", **env}
    if not terminal:
        p = subprocess.run([parsl_cmd, "run", str(script)], capture_output=True, text=True, env=full_env,
                           cwd=tmp_path, timeout=120)
        return p.returncode, p.stdout, p.stderr
    master, slave = pty.openpty()
    p = subprocess.Popen([parsl_cmd, "run", str(script)], stdout=slave if stdout_too else subprocess.PIPE,
                         stderr=slave, env=full_env, cwd=tmp_path)
    os.close(slave)
    err = b""
    while True:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            err += data
        elif p.poll() is not None:
            break
    os.close(master)
    out = ""
    if p.stdout is not None:
        out = p.stdout.read().decode()
        p.stdout.close()
    return p.wait(timeout=60), out, err.decode(errors="replace")


def test_rich_progress_in_a_terminal(tmp_path, monkeypatch):
    monkeypatch.delenv("PARSL_PROGRESS", raising=False)  # on by default under parsl run
    code, out, err = parsl_run(tmp_path, {}, terminal=True)
    assert code == 0
    assert out.strip() == f"results {sum(range(40)) - 7}"  # the script's own output is untouched
    final = err.rsplit("\r", 2)[-2] if "\r" in err else err
    assert "40/40 tasks" in err and "39 done" in final and "1 failed" in final and "0 running" in final


def test_script_output_on_the_same_terminal_is_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("PARSL_PROGRESS", raising=False)
    code, _, terminal = parsl_run(tmp_path, {}, terminal=True, stdout_too=True)
    assert code == 0
    assert f"results {sum(range(40)) - 7}" in terminal and "40/40 tasks" in terminal


def test_no_progress_when_not_a_terminal(tmp_path):
    code, out, err = parsl_run(tmp_path, {"PARSL_PROGRESS": "1"}, terminal=False)  # even when asked for
    assert code == 0 and out.strip() == f"results {sum(range(40)) - 7}"
    assert "tasks" not in err


def test_progress_off_by_request_even_in_a_terminal(tmp_path):
    code, _, err = parsl_run(tmp_path, {"PARSL_PROGRESS": "0"}, terminal=True)
    assert code == 0 and "tasks" not in err


NOTEBOOK_CELL = textwrap.dedent("""
    import tempfile

    import parsl
    from parsl import python_app
    from parsl.config import Config

    @python_app
    def square(x):
        return x * x

    with parsl.load(Config(run_dir=tempfile.mkdtemp())):
        print(sum(square(i).result() for i in range(25)))
""")


def test_jupyter_display_updates_in_place_in_a_real_kernel():
    """In a notebook (a real IPython kernel) the progress is one display, updated in place."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3", env={**os.environ, "PARSL_PROGRESS": ""})
    try:
        msg_id = kc.execute(NOTEBOOK_CELL)
        messages = []
        while True:
            msg = kc.get_iopub_msg(timeout=120)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            messages.append((msg["msg_type"], msg["content"]))
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    kinds = [kind for kind, _ in messages]
    assert "error" not in kinds, messages
    assert ("stream", {"name": "stdout", "text": f"{sum(i * i for i in range(25))}\n"}) in messages
    displays = [c for kind, c in messages if kind == "display_data"]
    updates = [c for kind, c in messages if kind == "update_display_data"]
    assert len(displays) == 1 and updates
    display_id = displays[0]["transient"]["display_id"]
    assert all(u["transient"]["display_id"] == display_id for u in updates)
    final = updates[-1]["data"]["text/html"]
    assert '<progress value="25" max="25"' in final and "25/25 tasks" in final and "25 done" in final


def test_plain_python_scripts_get_no_progress_unless_asked(tmp_path, monkeypatch):
    monkeypatch.delenv("PARSL_PROGRESS", raising=False)
    script = tmp_path / "plain.py"
    script.write_text("import sys\nfrom parsl_monitoring.progress import wanted_view\n"
                      "class Tty:\n    def isatty(self):\n        return True\n"
                      "print(type(wanted_view(Tty())).__name__)\n")
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert run.stdout.strip() == "NoneType"
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PARSL_PROGRESS": "1"})
    assert run.stdout.strip() == "RichView"


def test_counts_move_between_columns():
    counts = progress.Counts()
    for state in ("pending", "launched", "fail_retryable", "pending", "launched", "exec_done"):
        counts.move(1, state)
    counts.move(2, "pending")
    counts.move(2, "dep_fail")
    s = counts.snapshot()
    assert (s["pending"], s["running"], s["done"], s["failed"], s["total"], s["finished"]) == (0, 0, 1, 1, 2, 2)
