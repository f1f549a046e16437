"""Live progress of a workflow (pending, running, done, failed, rate, ETA), driven by the monitor hooks.

In a terminal the display is drawn with ``rich``; in a Jupyter notebook it is an HTML display that
updates in place. It is attached when a workflow starts with ``PARSL_PROGRESS=1`` (which
``parsl run`` sets unless it is already set) and standard error is a terminal, or when running in a Jupyter kernel;
``PARSL_PROGRESS=0`` turns it off everywhere. The hooks only move counters; drawing happens on a
timer thread.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

from parsl.plugins import hookimpl

if TYPE_CHECKING:
    from parsl.dataflow.states import States
    from parsl.plugins.protocols import DataFlowKernelView

#: Task state name -> the column it is counted in.
COLUMN = {"pending": "pending", "launched": "running", "running": "running", "running_ended": "running",
          "joining": "running", "fail_retryable": "running", "exec_done": "done", "memo_done": "done",
          "failed": "failed", "dep_fail": "failed"}
COLUMNS = ("pending", "running", "done", "failed")


class Counts:
    """How many tasks are in each column, updated from any thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.where: dict[int, str] = {}
        self.n = dict.fromkeys(COLUMNS, 0)
        self.started = time.monotonic()

    def move(self, task_id: int, state_name: str) -> None:
        column = COLUMN.get(state_name)
        if column is None:
            return
        with self.lock:
            old = self.where.get(task_id)
            if old is not None:
                self.n[old] -= 1
            self.where[task_id] = column
            self.n[column] += 1

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            n = dict(self.n)
        total = sum(n.values())
        finished = n["done"] + n["failed"]
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = finished / elapsed
        eta = (total - finished) / rate if rate > 0 and total > finished else None
        return {**n, "total": total, "finished": finished, "rate": rate, "eta": eta, "elapsed": elapsed}


def describe(s: Mapping[str, Any]) -> str:
    """One line of text for a snapshot."""
    eta = "--" if s["eta"] is None else f"{s['eta']:.0f}s"
    return (f"{s['finished']}/{s['total']} tasks · {s['pending']} pending · {s['running']} running · "
            f"{s['done']} done · {s['failed']} failed · {s['rate']:.1f}/s · ETA {eta}")


class ProgressDisplay:
    """A monitor-hook observer for one DataFlowKernel that redraws a view on a timer thread."""

    def __init__(self, dfk: DataFlowKernelView, view: View, period: float = 0.25) -> None:
        self.dfk = dfk
        self.view = view
        self.counts = Counts()
        self.period = period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="parsl-progress", daemon=True)

    def start(self) -> None:
        self.view.open()
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.wait(self.period):
            try:
                self.view.draw(self.counts.snapshot())
            except Exception:  # a display problem must never disturb the workflow
                return

    @hookimpl
    def parsl_task_state(self, dfk: DataFlowKernelView, task_record: Mapping[str, Any], state: States) -> None:
        if dfk is self.dfk:
            self.counts.move(task_record["id"], getattr(state, "name", str(state)))

    @hookimpl
    def parsl_workflow_end(self, dfk: DataFlowKernelView) -> None:
        if dfk is not self.dfk:
            return
        self._stop.set()
        self._thread.join(5)
        try:
            self.view.close(self.counts.snapshot())
        finally:
            from parsl.plugins.manager import get_plugin_manager

            pm = get_plugin_manager().pm
            if pm.is_registered(self):
                pm.unregister(self)


class View:
    """Where a progress display draws."""

    def open(self) -> None: ...

    def draw(self, snapshot: Mapping[str, Any]) -> None: ...

    def close(self, snapshot: Mapping[str, Any]) -> None:
        self.draw(snapshot)


class RichView(View):
    """A rich live display on standard error."""

    def __init__(self, file: Any = None):
        from rich.console import Console

        self.console = Console(file=file or sys.stderr)
        self.live: Any = None
        self.latest: Mapping[str, Any] = Counts().snapshot()

    def _render(self) -> Any:
        from rich.progress_bar import ProgressBar
        from rich.table import Table

        s = self.latest
        table = Table.grid(padding=(0, 1))
        table.add_row("[bold]parsl[/]", ProgressBar(total=max(s["total"], 1), completed=s["finished"], width=30),
                      describe(s))
        return table

    def open(self) -> None:
        from rich.live import Live

        # Output the script prints to the same terminal goes above the display instead of through
        # it; output sent elsewhere (a pipe, a file) is left alone.
        same = _same_terminal(sys.stdout, self.console.file)
        self.live = Live(get_renderable=self._render, console=self.console, auto_refresh=False, transient=False,
                         redirect_stdout=same, redirect_stderr=False)
        self.live.start()

    def draw(self, snapshot: Mapping[str, Any]) -> None:
        self.latest = snapshot
        self.live.refresh()

    def close(self, snapshot: Mapping[str, Any]) -> None:
        self.draw(snapshot)
        self.live.stop()


class JupyterView(View):
    """An HTML display in a notebook, updated in place."""

    def __init__(self, display: Optional[Callable[..., Any]] = None, html: Optional[Callable[[str], Any]] = None):
        if display is None or html is None:
            from IPython.display import HTML
            from IPython.display import display as ipy_display

            display, html = ipy_display, HTML
        self.display = display
        self.html = html
        self.handle: Any = None

    @staticmethod
    def render(s: Mapping[str, Any]) -> str:
        pct = 100.0 * s["finished"] / s["total"] if s["total"] else 0.0
        return (f'<div class="parsl-progress"><progress value="{s["finished"]}" max="{max(s["total"], 1)}" '
                f'style="width:20em"></progress> {pct:.0f}% &nbsp; {describe(s)}</div>')

    def open(self) -> None:
        self.handle = self.display(self.html(self.render(Counts().snapshot())), display_id=True)

    def draw(self, snapshot: Mapping[str, Any]) -> None:
        self.handle.update(self.html(self.render(snapshot)))


def _same_terminal(a: Any, b: Any) -> bool:
    try:
        return a.isatty() and b.isatty() and os.path.samestat(os.fstat(a.fileno()), os.fstat(b.fileno()))
    except (AttributeError, OSError, ValueError):
        return False


def in_jupyter() -> bool:
    """Whether this process is a Jupyter kernel."""
    ipython = sys.modules.get("IPython")
    if ipython is None or "ipykernel" not in sys.modules:
        return False
    shell = ipython.get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def wanted_view(stream: Any = None) -> Optional[View]:
    """The view the environment asks for, if any."""
    setting = os.environ.get("PARSL_PROGRESS", "").strip().lower()
    if setting in ("0", "off", "false", "no"):
        return None
    if in_jupyter():
        return JupyterView()
    stream = stream or sys.stderr
    wanted = setting in ("1", "on", "true", "yes")
    if wanted and getattr(stream, "isatty", lambda: False)():
        return RichView(stream)
    return None


def attach_if_wanted(dfk: DataFlowKernelView) -> Optional[ProgressDisplay]:
    """Start a progress display for ``dfk`` and register it for the monitor hooks, if one is wanted."""
    view = wanted_view()
    if view is None:
        return None
    from parsl.plugins.manager import get_plugin_manager

    display = ProgressDisplay(dfk, view)
    display.start()
    get_plugin_manager().pm.register(display)
    return display
