"""``StartupRunner``: run a cloud emulator's "instances" as local processes, for end-to-end tests.

Cloud emulators (moto, gcplocal) keep instance records but boot nothing. The runner polls the
emulator through a callback; when an instance is reported running it runs that instance's
start-up script (user-data, ``startup-script`` metadata) as a local process in its own session,
so the workers it starts connect back over 127.0.0.1; when the instance leaves the running state
(terminated, deleted) the runner kills the process group. A script that calls ``shutdown`` or
``halt`` reaches a stand-in on ``PATH`` that records the request, and the runner then calls
``on_shutdown(instance_id)`` so the test can end the instance in the emulator, as a real machine
configured to terminate on shutdown would.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
from typing import Callable, Dict, List, Mapping, NamedTuple, Optional

from parsl.providers.shell import kill_process_group

logger = logging.getLogger(__name__)

#: What ``shutdown``/``halt``/``poweroff`` do inside a runner's instance: note it and end the script.
_SHUTDOWN_STANDIN = '#!/bin/sh\ntouch "$PARSL_TEST_INSTANCE_DIR/shutdown"\n'


class EmulatedInstance(NamedTuple):
    """One instance as the emulator reports it: whether it runs, and its start-up script."""

    running: bool
    script: Optional[str]


class StartupRunner:
    """Runs emulated instances' start-up scripts locally while they are running (see module doc).

    ``poll()`` returns every instance the emulator knows, by id. Use as a context manager, or
    call ``sync()`` yourself for one step. ``started`` and ``removed`` list instance ids in order.
    """

    def __init__(self, poll: Callable[[], Mapping[str, EmulatedInstance]], workdir: str,
                 on_shutdown: Optional[Callable[[str], None]] = None, interval: float = 0.2):
        self.poll = poll
        self.workdir = workdir
        self.on_shutdown = on_shutdown
        self.interval = interval
        self.processes: Dict[str, subprocess.Popen] = {}
        self.started: List[str] = []
        self.removed: List[str] = []
        self.errors: List[BaseException] = []
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()
        self._bin = os.path.join(workdir, "bin")
        os.makedirs(self._bin, exist_ok=True)
        for name in ("shutdown", "halt", "poweroff"):
            path = os.path.join(self._bin, name)
            with open(path, "w") as f:
                f.write(_SHUTDOWN_STANDIN)
            os.chmod(path, 0o755)

    def instance_dir(self, instance_id: str) -> str:
        """Where an instance's script runs and writes ``stdout``/``stderr``."""
        return os.path.join(self.workdir, instance_id)

    def output(self, instance_id: str) -> str:
        """The instance script's stdout and stderr so far, for assertions and failure messages."""
        texts = []
        for name in ("stdout", "stderr"):
            try:
                with open(os.path.join(self.instance_dir(instance_id), name)) as f:
                    texts.append(f.read())
            except FileNotFoundError:
                pass
        return "".join(texts)

    def sync(self) -> None:
        """One step: start scripts of newly running instances, kill those no longer running, and
        report shutdowns the scripts asked for."""
        with self._lock:
            instances = self.poll()
            for instance_id, instance in instances.items():
                if instance.running and instance_id not in self.processes and instance.script is not None:
                    self._start(instance_id, instance.script)
            for instance_id, proc in list(self.processes.items()):
                gone = instance_id not in instances or not instances[instance_id].running
                if gone:
                    self._kill(instance_id)
                elif proc.poll() is not None and os.path.exists(os.path.join(self.instance_dir(instance_id),
                                                                             "shutdown")):
                    os.unlink(os.path.join(self.instance_dir(instance_id), "shutdown"))
                    if self.on_shutdown is not None:
                        self.on_shutdown(instance_id)

    def _start(self, instance_id: str, script: str) -> None:
        folder = self.instance_dir(instance_id)
        os.makedirs(folder, exist_ok=True)
        path = os.path.join(folder, "startup-script")
        with open(path, "w") as f:
            f.write(script)
        env = dict(os.environ, PATH=f"{self._bin}:{os.environ.get('PATH', '')}", PARSL_TEST_INSTANCE_DIR=folder,
                   PARSL_TEST_INSTANCE_ID=instance_id)
        with open(os.path.join(folder, "stdout"), "w") as out, open(os.path.join(folder, "stderr"), "w") as err:
            self.processes[instance_id] = subprocess.Popen(["/bin/bash", path], cwd=folder, env=env, stdout=out,
                                                           stderr=err, stdin=subprocess.DEVNULL,
                                                           start_new_session=True)
        self.started.append(instance_id)
        logger.info("instance %s: start-up script running as process %s", instance_id,
                    self.processes[instance_id].pid)

    def _kill(self, instance_id: str) -> None:
        proc = self.processes.pop(instance_id)
        kill_process_group(proc.pid, signal.SIGKILL)
        proc.wait()
        self.removed.append(instance_id)
        logger.info("instance %s: gone from the emulator, its processes killed", instance_id)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.sync()
            except Exception as e:  # an emulator hiccup must not kill the runner silently
                logger.exception("StartupRunner poll failed")
                self.errors.append(e)

    def __enter__(self) -> StartupRunner:
        self._thread = threading.Thread(target=self._loop, name="StartupRunner", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop polling and kill every script still running."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        with self._lock:
            for instance_id in list(self.processes):
                self._kill(instance_id)
