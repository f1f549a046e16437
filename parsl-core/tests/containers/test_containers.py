"""Container apps with parsl-core alone: the runtime is the host itself (``env``), so the whole path
(bind discovery, the guard, the Python payload, errors) runs for real without a container runtime.
The container-runtime distributions run the same paths on real runtimes (parsl.containers.testing).
"""

from __future__ import annotations

import pickle
import sys
from typing import Any, Iterator, Optional, Sequence

import pytest

import parsl
from parsl import File, bash_app, python_app
from parsl.config import Config
from parsl.containers import (
    Container,
    ContainerBindPathMissing,
    ContainerExitError,
    ContainerPythonError,
    ContainerRuntime,
    ContainerRuntimeNotFound,
    Mount,
)
from parsl.containers.app import _outermost
from parsl.executors.threads import ThreadPoolExecutor
from parsl.plugins.manager import PluginNotFound
from parsl.plugins.settings import settings


@settings
class HostRuntime(ContainerRuntime):
    """Runs the "container" as a plain process on the host, through ``env K=V CMD``."""

    programs = ("env",)
    names_containers = False

    def run_verb(self) -> list[str]:
        return []

    def host_network_args(self) -> list[str]:
        return []

    def mount_args(self, mount: Mount) -> list[str]:
        return []

    def workdir_args(self, workdir: str) -> list[str]:
        return []

    def env_args(self, key: str, value: str) -> list[str]:
        return [f"{key}={value}"]

    def image_and_command(self, image: str, command: Sequence[str]) -> list[str]:
        return list(command)

    def remove_argv(self, program: str, name: str) -> Optional[list[str]]:
        return None

    def image_present(self, program: str, image: str) -> bool:
        return True


@pytest.fixture
def host(tmp_path: Any, monkeypatch: Any) -> Iterator[Container]:
    monkeypatch.chdir(tmp_path)
    dfk = parsl.load(Config(executors=[ThreadPoolExecutor(max_threads=2)], run_dir=str(tmp_path / "runinfo")))
    yield Container("host", runtime=HostRuntime(), interpreter=sys.executable, env={"GREETING": "hi"})
    dfk.cleanup()


def test_docker_form_rendered_by_the_base() -> None:
    argv = ContainerRuntime().run_argv("docker", "img", ["ls", "-l"], name="parsl-1",
                                       mounts=[Mount("/d"), Mount("/s", "/in", True)], workdir="/d",
                                       env={"A": "1"}, gpus="0,1")
    assert argv == ["docker", "run", "--rm", "--pull=never", "--name", "parsl-1", "--network=host", "-v", "/d:/d",
                    "-v", "/s:/in:ro", "-w", "/d", "-e", "A=1", "--gpus", "device=0,1", "img", "ls", "-l"]


def test_mount_parse() -> None:
    assert Mount.parse("/a:/b:ro") == Mount("/a", "/b", True)
    assert Mount.parse("/a") == Mount("/a")
    with pytest.raises(ValueError, match="not of the form"):
        Mount.parse("/a:/b:rx")
    with pytest.raises(ValueError, match="not of the form"):
        Container("img", mounts=["/a:/b:c:d"])


def test_outermost_folders() -> None:
    assert _outermost(["/a/b", "/a", "/ab", "/a/b/c", "/a"]) == ["/a", "/ab"]


def test_unknown_runtime_names_the_distribution() -> None:
    from parsl.plugins.manager import PluginManager

    with pytest.raises(PluginNotFound, match="'shifter' is not installed: pip install parsl-container-shifter"):
        PluginManager().get("container_runtime", "shifter")  # a manager with nothing loaded


def test_bash_app_command_env_and_stdout(host: Container, tmp_path: Any) -> None:
    @bash_app
    @host.bash
    def hello(stdout: Any = None) -> str:
        return 'echo "$GREETING from $PARSL_CONTAINER_NAME"'

    assert hello(stdout=str(tmp_path / "out")).result() == 0
    assert (tmp_path / "out").read_text().startswith("hi from parsl-")


def test_python_app_with_file_and_exception(host: Container, tmp_path: Any) -> None:
    (tmp_path / "in.txt").write_text("5")

    @python_app
    @host.python
    def read(inputs: Any = ()) -> tuple[str, int]:
        with open(inputs[0]) as f:
            return inputs[0].filepath, int(f.read())

    @python_app
    @host.python
    def fails() -> None:
        raise KeyError("nope")

    assert read(inputs=[File(str(tmp_path / "in.txt"))]).result() == (str(tmp_path / "in.txt"), 5)
    with pytest.raises(KeyError, match="nope"):
        fails().result()


def test_non_zero_exit_is_a_bash_exit_failure_that_pickles(host: Container) -> None:
    @bash_app
    @host.bash
    def fails() -> str:
        return "echo broken >&2; exit 4"

    with pytest.raises(ContainerExitError) as info:
        fails().result()
    copy = pickle.loads(pickle.dumps(info.value))
    assert (copy.exitcode, str(copy)) == (4, str(info.value))
    assert "broken" in str(copy) and "'host'" in str(copy) and "exit 4" in str(copy)


def test_bad_input_errors(host: Container, tmp_path: Any) -> None:
    @python_app
    @Container("host", runtime=HostRuntime(), interpreter="/nonexistent/python3").python
    def no_python() -> int:
        return 1

    @bash_app
    @Container("host", runtime=HostRuntime(executable="/nonexistent/env")).bash
    def no_runtime() -> str:
        return "true"

    @bash_app
    @host.bash
    def writes(outputs: Any = ()) -> str:
        return "true"

    with pytest.raises(ContainerPythonError, match="no usable Python"):
        no_python().result()
    with pytest.raises(ContainerRuntimeNotFound, match="/nonexistent/env is not on PATH"):
        no_runtime().result()
    with pytest.raises(ContainerBindPathMissing, match="'/nonexistent-parsl-folder' does not exist"):
        writes(outputs=[File("/nonexistent-parsl-folder/x")]).result()
