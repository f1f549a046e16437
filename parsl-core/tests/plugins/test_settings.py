"""Settings classes accept what Parsl accepts, at construction and on assignment."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest

from parsl.config import Config
from parsl.dataflow.memoization import BasicMemoizer
from parsl.executors.threads import ThreadPoolExecutor
from parsl.plugins.settings import TypeCheckError


def test_paths_are_accepted_and_stored_as_str(tmp_path: Path) -> None:
    ex = ThreadPoolExecutor(working_dir=tmp_path)
    config = Config(executors=[ex], run_dir=tmp_path / "runinfo")
    assert ex.working_dir == str(tmp_path)
    assert config.run_dir == str(tmp_path / "runinfo")
    assert BasicMemoizer(checkpoint_files=(tmp_path / "a", "b")).checkpoint_files == [str(tmp_path / "a"), "b"]


def test_assigned_paths_are_converted(tmp_path: Path) -> None:
    ex = ThreadPoolExecutor()
    ex.working_dir = tmp_path  # type: ignore[assignment]  # what Parsl's conftest does after parsl.load()
    assert ex.working_dir == str(tmp_path)
    config = Config(executors=[ex])
    config.run_dir = PurePosixPath("/scratch/run")  # type: ignore[assignment]
    assert config.run_dir == "/scratch/run"


def test_assignment_takes_every_value_parsl_s_annotations_allow() -> None:
    config = Config()
    config.strategy_period = 2  # Parsl: Union[float, int]
    config.strategy = None
    config.exit_mode = "wait"
    config.executors = (ThreadPoolExecutor(label="t"),)  # Parsl: Iterable[ParslExecutor]
    assert [e.label for e in config.executors] == ["t"]
    ex = ThreadPoolExecutor()
    ex.max_threads = None
    ex.working_dir = None
    assert (config.strategy_period, ex.max_threads, ex.working_dir) == (2, None, None)


def test_bad_assignment_names_class_and_field() -> None:
    ex = ThreadPoolExecutor()
    with pytest.raises(TypeCheckError, match=r"ThreadPoolExecutor.working_dir: expected str \| None, got 5"):
        ex.working_dir = 5  # type: ignore[assignment]
    with pytest.raises(TypeCheckError, match=r"Config.retries: expected int, got 'many'"):
        Config().retries = "many"  # type: ignore[assignment]
    with pytest.raises(TypeCheckError, match="checkpoint_files"):
        BasicMemoizer(checkpoint_files=[3])  # type: ignore[list-item]


def test_after_places_a_subclass_keyword_behind_its_anchor_and_checks_every_field() -> None:
    import attrs

    from parsl.plugins.settings import after, settings

    @settings
    class Base:
        a: int = 1
        b: int = 2
        c: int = 3

    @settings
    class Sub(Base):
        b: int = 20
        x: str = after("a", default="x")

    assert [f.name for f in attrs.fields(Sub)] == ["a", "x", "b", "c"]
    assert Sub(5, "y").x == "y"
    with pytest.raises(TypeCheckError, match=r"Sub.c: expected int"):
        Sub(c="three")  # type: ignore[arg-type]
    with pytest.raises(TypeCheckError, match=r"Sub.x: expected str"):
        Sub(x=1)  # type: ignore[arg-type]
    inherited = attrs.fields(Sub).c
    assert inherited.validator is attrs.fields(Base).c.validator  # checked once, not once per subclass
