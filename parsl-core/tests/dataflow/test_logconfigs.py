"""``Config(initialize_logging=LogConfig)``: Parsl's file, JSON-lines and no-op configurations,
third-party ones from plugins, and a configuration that fails while setting up."""

from __future__ import annotations

import io
import json
import logging
import pathlib
import types
from typing import Any, Callable, Iterator

import pytest

import parsl
from parsl.config import Config
from parsl.configfile import config_from_data, config_to_data
from parsl.errors import ConfigurationError
from parsl.executors.threads import ThreadPoolExecutor
from parsl.logconfigs import FileLogging, JSONLogging, LogConfig, LogConfigError, NoopLogging
from parsl.logconfigs import base as logconfig_base
from parsl.plugins import hookimpl
from parsl.plugins.manager import PluginManager, get_plugin_manager, reset_plugin_manager
from parsl.plugins.settings import settings


@parsl.python_app
def double(x: int) -> int:
    return 2 * x


@parsl.python_app
def flaky(marker: str) -> str:
    import os

    if not os.path.exists(marker):
        open(marker, "w").close()
        raise RuntimeError("first try fails")
    return "second try"


def test_file_logging_writes_parsl_log_in_its_format(make_dfk: Callable[..., Any]) -> None:
    dfk = make_dfk(initialize_logging=FileLogging(format_string="XXX %(message)s"))
    double(1).result()
    log = pathlib.Path(dfk.run_dir) / "parsl.log"
    dfk.cleanup()
    text = log.read_text()
    assert text.startswith("XXX ") and "\nXXX Started executor threads (" in text


@pytest.mark.parametrize("setting", [True, False, "config"])
def test_executors_get_the_log_config(make_dfk: Callable[..., Any], setting: Any) -> None:
    """Executors with processes of their own set them up with it; ``True``/``False`` give them none."""
    log_config = FileLogging() if setting == "config" else setting
    dfk = make_dfk(initialize_logging=log_config)
    expected = log_config if setting == "config" else None
    assert all(executor.log_config is expected for executor in dfk.executors.values())


def test_noop_logging_writes_nothing(make_dfk: Callable[..., Any]) -> None:
    dfk = make_dfk(initialize_logging=NoopLogging())
    double(1).result()
    assert not (pathlib.Path(dfk.run_dir) / "parsl.log").exists()


def test_json_lines_carry_task_try_and_executor(make_dfk: Callable[..., Any], tmp_path: pathlib.Path) -> None:
    dfk = make_dfk(initialize_logging=JSONLogging(), retries=1,
                   executors=[ThreadPoolExecutor(label="pool", max_threads=2)])
    assert flaky(str(tmp_path / "marker")).result() == "second try"
    log = pathlib.Path(dfk.run_dir) / "parsl.jsonlog"
    dfk.cleanup()
    records = [json.loads(line) for line in log.read_text().splitlines()]
    launches = [(r["parsl.task"], r["parsl.try"], r["parsl.executor"]) for r in records if "parsl.executor" in r]
    assert launches == [(0, 0, "pool"), (0, 1, "pool")]
    states = [(r["parsl.try"], r["parsl.task_state"]) for r in records if "parsl.task_state" in r]
    assert (1, "exec_done") in states and (0, "launched") in states
    assert all(isinstance(r["formatted"], str) and "created" in r for r in records)


def test_json_extra_that_is_not_json_becomes_text(make_dfk: Callable[..., Any]) -> None:
    class Unprintable:
        def __str__(self) -> str:
            raise ValueError("no text")

    dfk = make_dfk(initialize_logging=JSONLogging())
    logging.getLogger("parsl.test").info("odd", extra={"parsl.obj": Unprintable(), "parsl.path": pathlib.Path("/x")})
    log = pathlib.Path(dfk.run_dir) / "parsl.jsonlog"
    dfk.cleanup()
    (record,) = [json.loads(line) for line in log.read_text().splitlines() if '"odd"' in line]
    assert record["parsl.path"] == "/x"
    assert record["parsl.obj"].startswith("UNREPRESENTABLE: ValueError")


class HalfThenFail(LogConfig):
    """Attaches a handler, then fails: what it attached must not survive."""

    def __init__(self) -> None:
        super().__init__()
        self.handler = logging.NullHandler()

    def initialize_logging(self, *, log_dir: pathlib.Path, log_name: str) -> Callable[[], None]:
        logging.getLogger("parsl").addHandler(self.handler)
        raise OSError("log server unreachable")


def test_a_failing_log_config_is_a_clear_error_at_load(tmp_path: pathlib.Path) -> None:
    config = HalfThenFail()
    executor = ThreadPoolExecutor(max_threads=1)
    expected = r"HalfThenFail.*failed to set up logging: OSError: log server unreachable"
    with pytest.raises(LogConfigError, match=expected):
        parsl.load(Config(executors=[executor], run_dir=str(tmp_path), initialize_logging=config))
    assert config.handler not in logging.getLogger("parsl").handlers
    assert config.uuid not in logconfig_base._initialized_log_contexts
    assert parsl.DataFlowKernelLoader._dfk is None
    assert executor.executor is None  # never started


def test_a_log_config_must_return_its_undo(tmp_path: pathlib.Path) -> None:
    class NoUndo(NoopLogging):
        def initialize_logging(self, *, log_dir: pathlib.Path, log_name: str) -> Any:
            return None

    with pytest.raises(ConfigurationError, match="must return a callable"):
        parsl.load(Config(run_dir=str(tmp_path), initialize_logging=NoUndo()))


def test_shared_config_is_set_up_once_and_survives_pickling(tmp_path: pathlib.Path) -> None:
    import pickle

    config = FileLogging()
    copy = pickle.loads(pickle.dumps(config))
    assert copy.uuid == config.uuid
    logconfig_base.oneshot_initialize_logging(log_config=config, log_dir=tmp_path, log_name="a")
    logconfig_base.oneshot_initialize_logging(log_config=copy, log_dir=tmp_path, log_name="b")
    handlers = [h for h in logging.getLogger("parsl").handlers if isinstance(h, logging.FileHandler)
                and h.baseFilename.startswith(str(tmp_path))]
    assert [pathlib.Path(h.baseFilename).name for h in handlers] == ["a.log"]
    logconfig_base.oneshot_uninitialize_logging(log_config=copy)
    assert handlers[0] in logging.getLogger("parsl").handlers
    logconfig_base.oneshot_uninitialize_logging(log_config=config)
    assert handlers[0] not in logging.getLogger("parsl").handlers
    with pytest.raises(LogConfigError, match="not initialized"):
        logconfig_base.oneshot_uninitialize_logging(log_config=config)


def test_builtin_log_configs_by_name_in_a_config_file() -> None:
    config = config_from_data({"initialize_logging": {"type": "json", "level": 20}})
    assert isinstance(config.initialize_logging, JSONLogging) and config.initialize_logging.level == 20
    assert isinstance(config_from_data({"initialize_logging": "noop"}).initialize_logging, NoopLogging)
    assert config_from_data({"initialize_logging": False}).initialize_logging is False
    data = config_to_data(config)
    assert data["initialize_logging"] == {"type": "json", "level": 20}
    assert config_from_data(data).initialize_logging.level == 20


@settings
class CountingLogging(LogConfig):
    """A third party's logging configuration."""

    name: str = "counter"

    def initialize_logging(self, *, log_dir: pathlib.Path, log_name: str) -> Callable[[], None]:
        (log_dir / f"{self.name}.started").touch()
        return lambda: (log_dir / f"{self.name}.stopped").touch()


@pytest.fixture
def third_party_logconfig() -> Iterator[PluginManager]:
    module = types.ModuleType("parsl_logging_counter")
    module.PARSL_PLUGIN_API = ">=1.1,<2"  # type: ignore[attr-defined]

    @hookimpl
    def parsl_register_logconfigs(register: Any) -> None:
        register(CountingLogging, name="counting")

    module.parsl_register_logconfigs = parsl_register_logconfigs  # type: ignore[attr-defined]
    manager = PluginManager()
    manager.load_entry_points()
    assert manager.add_plugin(module, name="counter", distribution="parsl-logging-counter", version="0.1")
    reset_plugin_manager(manager)
    yield manager
    reset_plugin_manager(None)


def test_third_party_log_config_from_a_plugin(third_party_logconfig: PluginManager, tmp_path: pathlib.Path) -> None:
    assert get_plugin_manager().get("logconfig", "counting") is CountingLogging
    config = config_from_data({"initialize_logging": {"type": "counting", "name": "c1"},
                               "run_dir": str(tmp_path)})
    with parsl.load(config) as dfk:
        run_dir = pathlib.Path(dfk.run_dir)
        assert (run_dir / "c1.started").exists() and not (run_dir / "c1.stopped").exists()
    assert (run_dir / "c1.stopped").exists()


def test_per_task_records_are_made_only_for_a_listener(tmp_path: pathlib.Path) -> None:
    from parsl.log_utils import initialize_dfk_logging, listened

    top = logging.getLogger("isolated_parsl")
    top.propagate = False  # away from pytest's capturing handlers on the root logger
    tasks = logging.getLogger("isolated_parsl.dataflow.tasks")
    assert not listened(tasks, logging.INFO)
    quiet = logging.FileHandler(tmp_path / "quiet.log")
    quiet.parsl_no_task_records = True  # type: ignore[attr-defined]
    top.addHandler(quiet)
    top.setLevel(logging.DEBUG)
    assert not listened(tasks, logging.INFO), "the default parsl.log alone is no reason to make records"
    top.addHandler(logging.NullHandler())
    assert not listened(tasks, logging.INFO), "a NullHandler keeps nothing"
    loud = logging.StreamHandler(io.StringIO())
    top.addHandler(loud)
    assert listened(tasks, logging.INFO)
    loud.setLevel(logging.WARNING)
    assert not listened(tasks, logging.INFO)
    tasks.setLevel(logging.DEBUG)
    assert listened(tasks, logging.INFO), "an explicit level on the task logger asks for the records"
    for h in list(top.handlers):
        top.removeHandler(h)
    quiet.close()
    undo = initialize_dfk_logging(True, str(tmp_path))
    assert undo is not None
    default = [h for h in logging.getLogger("parsl").handlers if getattr(h, "parsl_no_task_records", False)]
    assert len(default) == 1
    undo()
    assert initialize_dfk_logging(False, str(tmp_path)) is None
