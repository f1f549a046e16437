"""The conformance tests every container-runtime distribution runs against a real runtime.

A distribution subclasses ``ContainerRuntimeTests``, says which runtime it is and where the CI
test images are (``.ci/services/container-images.sh`` builds them: ``py3``, ``step1``..``step3``,
``nopython``, ``pool``), and pytest collects every test below for it::

    class TestPodman(ContainerRuntimeTests):
        runtime = "podman"

        def image(self, name):
            return f"localhost/parsl-ci/{name}"

The tests need the runtime installed: they fail (never skip) when it is not, saying which CI
service script starts it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from typing import Any, Iterator

import pytest

import parsl
from parsl import bash_app, python_app
from parsl.app.errors import AppTimeout, BashExitFailure
from parsl.config import Config
from parsl.containers import errors as ce
from parsl.containers.app import Container
from parsl.data_provider.files import File
from parsl.executors.status_handling import BlockProviderExecutor
from parsl.executors.threads import ThreadPoolExecutor
from parsl.launchers.container import ContainerLauncher
from parsl.testing.processes import process_alive, wait_for


def _launcher_of(config: Config) -> ContainerLauncher:
    """The launcher of the provider of ``config``'s first executor (a block executor with a container launcher)."""
    executor = config.executors[0]
    assert isinstance(executor, BlockProviderExecutor), executor
    launcher = getattr(executor.provider, "launcher", None)
    assert isinstance(launcher, ContainerLauncher), launcher
    return launcher


def _container_processes() -> Iterator[tuple[int, str, str]]:
    """(pid, container name, command line) of every live process in a container Parsl started."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/environ", "rb") as f:
                    env = dict(v.split(b"=", 1) for v in f.read().split(b"\0") if b"=" in v)
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            name = env.get(b"PARSL_CONTAINER_NAME")
            if name and process_alive(int(entry)):
                yield int(entry), name.decode(), cmdline


def _read(pid: int, what: str) -> bytes:
    try:
        with open(f"/proc/{pid}/{what}", "rb") as f:
            return f.read()
    except OSError:
        return b""


def _parent(pid: int) -> int:
    stat = _read(pid, "stat")
    return int(stat.rsplit(b")", 1)[1].split()[1]) if stat else 0


def starter_of(name: str) -> int:
    """The process that started container ``name``: the parent of the runtime client, whose
    command line or environment names the container."""
    wanted = f"PARSL_CONTAINER_NAME={name}".encode()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            pid = int(entry)
            if wanted in _read(pid, "cmdline").split(b"\0") or wanted in _read(pid, "environ").split(b"\0"):
                parent = _parent(pid)
                if b"PARSL_CONTAINER_NAME" not in _read(parent, "environ") and parent > 1:
                    return parent
    raise AssertionError(f"no process started container {name}")


def containers_running(name: str) -> list[int]:
    """Processes whose environment says they run in container ``name`` (any runtime sets it)."""
    return [pid for pid, container, _ in _container_processes() if container == name]


def pool_containers() -> list[str]:
    """Names of the containers an HTEX worker pool runs in."""
    return sorted({c for _, c, cmdline in _container_processes() if "process_worker_pool" in cmdline})


def _step(container: Container, tool: str) -> Any:
    def step(inputs: Any = (), outputs: Any = ()) -> str:
        return f"{tool} < {inputs[0]} > {outputs[0]}"

    step.__name__ = tool
    return bash_app(container.bash(step))


class ContainerRuntimeTests:
    """Container apps on a real runtime, on threads and on HTEX."""

    runtime: str = ""
    #: The CI service script that provides the runtime and the images.
    service: str = ""
    #: Environment variables the runtime's program needs (set for the test and its workers).
    environment: dict[str, str] = {}
    #: For a runtime with a daemon: the command listing every container's name (docker's and
    #: podman's ``ps --all --format {{.Names}}``), asked besides looking at processes.
    list_command: tuple[str, ...] = ()

    def image(self, name: str) -> str:
        raise NotImplementedError

    def container(self, name: str, **kwargs: Any) -> Container:
        return Container(self.image(name), runtime=self.runtime, **kwargs)

    def listed(self, *filters: str) -> list[str]:
        """The container names ``list_command`` prints (with its ``--filter`` options)."""
        if not self.list_command:
            return []
        return subprocess.run([*self.list_command, *(f"--filter={f}" for f in filters)], capture_output=True,
                              text=True, check=True).stdout.split()

    def pool_containers(self) -> list[str]:
        """Names of the containers an HTEX worker pool runs in, or that were made from the pool image."""
        return sorted(set(pool_containers()) | set(self.listed(f"ancestor={self.image('pool')}")))

    def container_exists(self, name: str) -> bool:
        """Whether anything of container ``name`` is left: a process, or a container the daemon lists."""
        return bool(containers_running(name)) or name in self.listed()

    # -- fixtures ------------------------------------------------------------------------------

    @pytest.fixture(autouse=True)
    def _runtime_ready(self, tmp_path: Any, monkeypatch: Any) -> None:
        monkeypatch.chdir(tmp_path)
        monkeypatch.setenv("USER", os.environ.get("USER", "root"))  # ch-run insists on it
        for key, value in self.environment.items():
            monkeypatch.setenv(key, value)
        program = Container("x", runtime=self.runtime).runtime_plugin().program()
        assert program, f"{self.runtime} is not installed: run `sudo .ci/services/{self.service}.sh start`"
        assert self.container("py3").runtime_plugin().image_present(program, self.image("py3")), \
            f"test image {self.image('py3')} missing: run `sudo .ci/services/{self.service}.sh start`"

    @pytest.fixture
    def dfk(self, request: Any, tmp_path: Any) -> Iterator[Any]:
        kind = getattr(request, "param", "threads")
        if kind == "threads":
            executor: Any = ThreadPoolExecutor(max_threads=4)
        else:
            from parsl.providers.local.local import LocalProvider
            from parsl_executor_htex.executor import HighThroughputExecutor

            executor = HighThroughputExecutor(max_workers_per_node=2, provider=LocalProvider(init_blocks=1))
        dfk = parsl.load(Config(executors=[executor], run_dir=str(tmp_path / "runinfo")))
        yield dfk
        dfk.cleanup()

    # -- container apps -----------------------------------------------------------------------

    @pytest.mark.parametrize("dfk", ["threads", "htex"], indirect=True)
    def test_three_step_workflow_each_step_in_its_own_image(self, dfk: Any, tmp_path: Any) -> None:
        """On HTEX this needs parsl-executor-htex (a test extra of the runtime distributions)."""
        source = tmp_path / "in.txt"
        source.write_text("a\nb\n")
        data = tmp_path / "data"
        data.mkdir()
        outs = [File(str(data / f"out{i}.txt")) for i in (1, 2, 3)]
        steps = [_step(self.container(f"step{i}"), f"step{i}") for i in (1, 2, 3)]
        f1 = steps[0](inputs=[File(str(source))], outputs=[outs[0]])
        f2 = steps[1](inputs=[f1.outputs[0]], outputs=[outs[1]])
        f3 = steps[2](inputs=[f2.outputs[0]], outputs=[outs[2]])
        assert f3.result() == 0
        assert (data / "out3.txt").read_text() == "a step1 step2 step3\nb step1 step2 step3\n"

    def test_bash_app_runs_in_the_image_with_stdout_and_env(self, dfk: Any, tmp_path: Any) -> None:
        @bash_app
        @self.container("step1", env={"GREETING": "hello"}).bash
        def where(stdout: Any = None) -> str:
            return 'echo "$GREETING from $(cat /etc/parsl-ci-image) in $(pwd)"'

        assert where(stdout=str(tmp_path / "out.txt")).result() == 0
        assert (tmp_path / "out.txt").read_text() == f"hello from step1 in {tmp_path}\n"

    def test_python_app_runs_on_the_image_python_with_files(self, dfk: Any, tmp_path: Any) -> None:
        (tmp_path / "numbers.txt").write_text("1 2 3\n")

        @python_app
        @self.container("py3").python
        def total(scale: int, inputs: Any = ()) -> tuple[str, str, int]:
            import sys

            with open(inputs[0].filepath) as f:
                numbers = [int(n) for n in f.read().split()]
            return sys.executable, sys.prefix, scale * sum(numbers)

        executable, prefix, value = total(10, inputs=[File(str(tmp_path / "numbers.txt"))]).result()
        assert (executable, prefix, value) == ("/usr/bin/python3", "/usr", 60)
        assert sys.prefix != "/usr" or sys.executable != "/usr/bin/python3"  # this test's Python is not the image's

    def test_python_exception_comes_back_as_itself(self, dfk: Any) -> None:
        @python_app
        @self.container("py3").python
        def fails(x: int) -> None:
            raise ValueError(f"bad value {x}")

        with pytest.raises(ValueError, match="bad value 7"):
            fails(7).result()

    # -- bad input ------------------------------------------------------------------------------

    def test_image_not_present(self, dfk: Any) -> None:
        missing = self.image("no-such-image")

        @bash_app
        @Container(missing, runtime=self.runtime).bash
        def anything() -> str:
            return "true"

        with pytest.raises(ce.ContainerImageNotFound) as info:
            anything().result()
        assert missing in str(info.value) and repr(self.runtime) in str(info.value) and info.value.command

    def test_runtime_not_installed(self, dfk: Any) -> None:
        from parsl.plugins.manager import get_plugin_manager

        runtime = get_plugin_manager().get("container_runtime", self.runtime)(executable="/nonexistent/runtime")

        @bash_app
        @Container(self.image("py3"), runtime=runtime).bash
        def anything() -> str:
            return "true"

        with pytest.raises(ce.ContainerRuntimeNotFound, match="/nonexistent/runtime is not on PATH") as info:
            anything().result()
        assert self.image("py3") in str(info.value)

    def test_bind_path_missing(self, dfk: Any) -> None:
        @bash_app
        @self.container("py3").bash
        def writes(outputs: Any = ()) -> str:
            return f"echo x > {outputs[0]}"

        missing = "/nonexistent-parsl-folder"  # outside the working directory, which is bound whole
        with pytest.raises(ce.ContainerBindPathMissing, match=f"bind path '{missing}' does not exist"):
            writes(outputs=[File(f"{missing}/out.txt")]).result()

    def test_non_zero_exit_carries_stderr(self, dfk: Any) -> None:
        @bash_app
        @self.container("py3").bash
        def fails() -> str:
            return "echo 'something broke' >&2; exit 3"

        with pytest.raises(ce.ContainerExitError) as info:
            fails().result()
        assert isinstance(info.value, BashExitFailure) and info.value.exitcode == 3
        assert "something broke" in str(info.value) and self.image("py3") in str(info.value)

    def test_image_without_python(self, dfk: Any) -> None:
        @python_app
        @self.container("nopython").python
        def anything() -> int:
            return 1

        with pytest.raises(ce.ContainerPythonError, match="no usable Python") as info:
            anything().result()
        assert self.image("nopython") in str(info.value)

    def test_python_container_exiting_without_a_result(self, dfk: Any) -> None:
        @python_app
        @self.container("py3").python
        def exits() -> None:
            import os
            import sys

            sys.stderr.write("leaving early\n")
            sys.stderr.flush()
            os._exit(5)

        with pytest.raises(ce.ContainerExitError, match="exited with code 5 without a result") as info:
            exits().result()
        assert "leaving early" in str(info.value)

    # -- cleanup --------------------------------------------------------------------------------

    def test_walltime_removes_the_container(self, dfk: Any, tmp_path: Any) -> None:
        @bash_app
        @self.container("py3").bash
        def sleeps(walltime: float = 0) -> str:
            return 'echo "$PARSL_CONTAINER_NAME" > name.txt; exec sleep 600'

        future = sleeps(walltime=30)
        wait_for(lambda: (tmp_path / "name.txt").exists() and (tmp_path / "name.txt").read_text().strip(),
                 60, "the container to start")
        name = (tmp_path / "name.txt").read_text().strip()
        assert self.container_exists(name)
        with pytest.raises(AppTimeout):
            future.result()
        assert not self.container_exists(name)

    @pytest.mark.parametrize("dfk", ["htex"], indirect=True)
    def test_killed_htex_worker_leaves_no_container(self, dfk: Any, tmp_path: Any) -> None:
        """SIGKILL the HTEX worker running a container app: the task fails, the container goes."""
        from parsl_executor_htex.errors import WorkerLost

        @bash_app
        @self.container("py3").bash
        def sleeps() -> str:
            return 'echo "$PARSL_CONTAINER_NAME" > name.txt; exec sleep 600'

        future = sleeps()
        wait_for(lambda: (tmp_path / "name.txt").exists() and (tmp_path / "name.txt").read_text().strip(),
                 60, "the container to start")
        name = (tmp_path / "name.txt").read_text().strip()
        worker = starter_of(name)
        assert b"parsl_executor_htex" in _read(worker, "cmdline")
        os.kill(worker, signal.SIGKILL)
        with pytest.raises(WorkerLost):
            future.result()
        wait_for(lambda: not self.container_exists(name), 60, f"container {name} to be removed")

    def test_killed_worker_leaves_no_container(self, tmp_path: Any) -> None:
        """The process that started the container is SIGKILLed: its guard removes the container."""
        script = textwrap.dedent(f"""
            from parsl.containers.app import Container
            Container({self.image('py3')!r}, runtime={self.runtime!r}).run(
                ["/bin/bash", "-c", 'echo "$PARSL_CONTAINER_NAME" > name.txt; exec sleep 600'])
        """)
        worker = subprocess.Popen([sys.executable, "-c", script], cwd=tmp_path)
        try:
            wait_for(lambda: (tmp_path / "name.txt").exists() and (tmp_path / "name.txt").read_text().strip(),
                     60, "the container to start")
            name = (tmp_path / "name.txt").read_text().strip()
            assert self.container_exists(name)
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            wait_for(lambda: not self.container_exists(name), 60, f"container {name} to be removed")
        finally:
            worker.kill()
            worker.wait()

    # -- worker pools in containers -------------------------------------------------------------

    def test_container_launcher_in_a_config_file(self) -> None:
        from parsl.configfile import config_from_data, config_to_data

        container: dict[str, Any] = {"image": self.image("pool"), "runtime": self.runtime, "mounts": ["/opt:/opt"]}
        data = {"executors": [{"type": "htex", "provider": {"type": "local", "launcher": {
            "type": "container", "container": container}}}]}
        launcher = _launcher_of(config_from_data(data))
        assert launcher.container.as_dict() == Container(**container).as_dict()
        again = _launcher_of(config_from_data(config_to_data(config_from_data(data))))
        assert again.container.as_dict() == launcher.container.as_dict()
        assert " -m parsl.containers.launch " in launcher("pool --port=1", 1, 1)

    def test_worker_pool_in_a_container(self, tmp_path: Any) -> None:
        """An HTEX block whose pool runs in the ``pool`` image; its container goes with the block.

        The image's Python cannot import Parsl, so the pool runs this test's Python environment,
        bind-mounted at the same paths (as sites bind-mount a software stack into images).
        """
        import parsl_executor_htex
        from parsl.launchers.container import ContainerLauncher
        from parsl.providers.local.local import LocalProvider
        from parsl_executor_htex.executor import HighThroughputExecutor

        here = os.path.dirname(os.path.abspath(sys.modules[type(self).__module__].__file__ or ""))
        packages = [os.path.dirname(os.path.dirname(os.path.abspath(m.__file__ or "")))
                    for m in (parsl, parsl_executor_htex)]  # editable installs live outside the prefix
        mounts = sorted({sys.prefix, sys.base_prefix, *packages, here})
        # the container sees no host environment: the workers import this module by name
        container = self.container("pool", mounts=mounts, env={"PYTHONPATH": here})
        provider = LocalProvider(init_blocks=1, launcher=ContainerLauncher(container=container))
        dfk = parsl.load(Config(executors=[HighThroughputExecutor(max_workers_per_node=1, provider=provider)],
                                run_dir=str(tmp_path / "runinfo")))
        try:
            assert _image_name().result() == "pool"
            assert len(self.pool_containers()) == 1
        finally:
            dfk.cleanup()
        # removal starts when the block is cancelled; the provider waits a grace period for it
        wait_for(lambda: not self.pool_containers(), 60, "the pool's container to be removed")


@python_app
def _image_name() -> str:
    with open("/etc/parsl-ci-image") as f:
        return f.read().strip()
