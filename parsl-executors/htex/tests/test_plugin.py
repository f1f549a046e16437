"""Registration, Parsl's import paths, settings and resource specifications (no processes)."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import distribution
from pathlib import Path

import attrs
import pytest

from parsl.errors import ConfigurationError
from parsl.executors.errors import InvalidResourceSpecification
from parsl.launchers.launchers import SimpleLauncher
from parsl.plugins.aliases import parsl_name
from parsl.plugins.manager import get_plugin_manager
from parsl.plugins.settings import TypeCheckError
from parsl.providers.local.local import LocalProvider
from parsl_executor_htex.executor import HighThroughputExecutor
from parsl_executor_htex.mpi_executor import MPIExecutor

PARSL_HTEX_KEYWORDS = [
    ("label", "HighThroughputExecutor"), ("provider", None), ("launch_cmd", None),
    ("interchange_launch_cmd", None), ("address", None), ("loopback_address", "127.0.0.1"),
    ("worker_port", None), ("worker_port_range", (54000, 55000)), ("interchange_port_range", (55000, 56000)),
    ("storage_access", None), ("working_dir", None), ("worker_debug", False), ("cores_per_worker", 1.0),
    ("mem_per_worker", None), ("max_workers_per_node", None), ("cpu_affinity", "none"),
    ("available_accelerators", ()), ("prefetch_capacity", 0), ("heartbeat_threshold", 120),
    ("heartbeat_period", 30), ("drain_period", None), ("poll_period", 10), ("address_probe_timeout", None),
    ("worker_logdir_root", None), ("manager_selector", "RandomManagerSelector"), ("block_error_handler", True),
    ("encrypted", True), ("remote_monitoring_radio", None),
]


def test_registered_under_short_and_parsl_names() -> None:
    manager = get_plugin_manager()
    assert manager.find("executor", "htex") is HighThroughputExecutor
    assert manager.find("executor", "HighThroughputExecutor") is HighThroughputExecutor
    assert manager.find("executor", "mpi") is MPIExecutor
    from parsl.executors import HighThroughputExecutor as FromParsl
    assert FromParsl is HighThroughputExecutor


def test_parsl_module_paths_are_served() -> None:
    from parsl.executors.high_throughput import errors
    from parsl.executors.high_throughput.executor import HighThroughputExecutor as Htex
    from parsl.executors.high_throughput.mpi_executor import MPIExecutor as Mpi

    assert Htex.__name__ == "HighThroughputExecutor" and Mpi.__name__ == "MPIExecutor"
    for name in ("ManagerLost", "WorkerLost", "VersionMismatch", "CommandClientTimeoutError",
                 "CommandClientBadError"):
        assert issubclass(getattr(errors, name), Exception)


def test_parsl_name_is_parsl_s_import_path() -> None:
    assert parsl_name(HighThroughputExecutor) == "parsl.executors.high_throughput.executor.HighThroughputExecutor"
    assert parsl_name(LocalProvider) == "parsl.providers.local.local.LocalProvider"


def test_registration_imports_neither_zmq_nor_dill() -> None:
    code = ("import sys, parsl_executor_htex.plugin as p, parsl_executor_htex.executor, "
            "parsl_executor_htex.mpi_executor; "
            "print(sorted(m for m in ('zmq', 'dill') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_console_scripts_are_installed() -> None:
    entry_points = distribution("parsl-executor-htex").entry_points
    scripts = {ep.name: ep.value for ep in entry_points if ep.group == "console_scripts"}
    assert scripts == {"parsl-htex-interchange": "parsl_executor_htex.interchange:main",
                       "parsl-htex-worker-pool": "parsl_executor_htex.process_worker_pool:main"}
    out = subprocess.run([sys.executable, "-m", "parsl_executor_htex.process_worker_pool", "--help"],
                         capture_output=True, text=True, check=True).stdout
    assert "--hb_threshold" in out and "--cpu-affinity" in out


def test_keywords_order_and_defaults_are_parsl_s() -> None:
    fields = [f for f in attrs.fields(HighThroughputExecutor) if f.init and not f.kw_only]  # kw-only: ours
    assert [f.name for f in fields] == [name for name, _ in PARSL_HTEX_KEYWORDS]
    ex = HighThroughputExecutor()
    for name, default in PARSL_HTEX_KEYWORDS:
        value = getattr(ex, name)
        if name == "provider":
            assert isinstance(value, LocalProvider)  # None means LocalProvider(), as in Parsl
        elif name == "manager_selector":
            assert type(value).__name__ == default
        elif name == "available_accelerators":
            assert list(value) == list(default)
        else:
            assert value == default, name


#: Parsl's MPIExecutor keywords, in order (the HighThroughputExecutor's, less the worker shape).
PARSL_MPI_KEYWORDS = [
    "label", "provider", "launch_cmd", "interchange_launch_cmd", "address", "loopback_address", "worker_port",
    "worker_port_range", "interchange_port_range", "storage_access", "working_dir", "worker_debug",
    "max_workers_per_block", "prefetch_capacity", "heartbeat_threshold", "heartbeat_period", "drain_period",
    "poll_period", "address_probe_timeout", "worker_logdir_root", "mpi_launcher", "block_error_handler",
    "encrypted", "remote_monitoring_radio",
]


def test_mpi_keywords_order_and_defaults_are_parsl_s() -> None:
    assert [f.name for f in attrs.fields(MPIExecutor) if f.init and not f.kw_only] == PARSL_MPI_KEYWORDS
    ex = MPIExecutor(provider=LocalProvider(launcher=SimpleLauncher()))
    assert (ex.label, ex.max_workers_per_block, ex.mpi_launcher, ex.encrypted) == ("MPIExecutor", 1, "mpiexec", False)
    assert isinstance(ex, HighThroughputExecutor) and ex.workers_per_node == 1
    args = [f.default for f in attrs.fields(MPIExecutor)[:13]]
    args[0], args[1], args[12] = "m", LocalProvider(launcher=SimpleLauncher()), 3
    by_position = MPIExecutor(*args)
    assert (by_position.label, by_position.max_workers_per_block) == ("m", 3)


def test_keyword_order_names_a_missing_anchor() -> None:
    from parsl.plugins.settings import after, settings

    with pytest.raises(TypeError, match=r"Bad.extra: after='no_such_keyword' is not a field"):
        @settings
        class Bad(HighThroughputExecutor):
            extra: int = after("no_such_keyword", default=0)


def test_repr_rebuilds_the_executor() -> None:
    ex = HighThroughputExecutor(label="h", max_workers_per_node=3, address="::1", encrypted=False)
    ns = {"HighThroughputExecutor": HighThroughputExecutor, "LocalProvider": LocalProvider}
    exec("from parsl.launchers.launchers import SingleNodeLauncher", ns)
    exec("from parsl_executor_htex.manager_selector import RandomManagerSelector", ns)
    again = eval(repr(ex), ns)
    assert repr(again) == repr(ex)


def test_bad_settings_fail_at_construction() -> None:
    with pytest.raises(TypeCheckError, match="max_workers_per_node"):
        HighThroughputExecutor(max_workers_per_node="two")  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="cpu_affinity"):
        HighThroughputExecutor(cpu_affinity="sideways")
    with pytest.raises(ConfigurationError, match="SimpleLauncher") as wrong_launcher:
        MPIExecutor()
    with pytest.raises(ConfigurationError, match="mpi_launcher") as unknown_mpi_launcher:
        MPIExecutor(mpi_launcher="orterun")
    # also the built-in types Parsl raises for these
    assert isinstance(wrong_launcher.value, TypeError) and isinstance(unknown_mpi_launcher.value, ValueError)
    with pytest.raises(TypeCheckError, match=r"MPIExecutor\.max_workers_per_block"):
        MPIExecutor(max_workers_per_block="two")  # type: ignore[arg-type]


def test_path_settings_take_path_like_values_at_construction_and_on_assignment(tmp_path: Path) -> None:
    ex = HighThroughputExecutor(working_dir=tmp_path, worker_logdir_root=tmp_path / "logs")
    assert (ex.working_dir, ex.worker_logdir_root) == (str(tmp_path), str(tmp_path / "logs"))
    mpi = MPIExecutor(provider=LocalProvider(launcher=SimpleLauncher()))
    mpi.working_dir = tmp_path  # type: ignore[assignment]  # as Parsl's conftest does after parsl.load()
    assert mpi.working_dir == str(tmp_path)
    with pytest.raises(TypeCheckError, match=r"HighThroughputExecutor\.worker_logdir_root"):
        ex.worker_logdir_root = 3  # type: ignore[assignment]


def test_workers_per_node_follows_parsl_rule() -> None:
    assert HighThroughputExecutor().workers_per_node == 1
    assert HighThroughputExecutor(max_workers_per_node=4).workers_per_node == 4
    assert HighThroughputExecutor(available_accelerators=3).workers_per_node == 3
    assert HighThroughputExecutor(available_accelerators=2).available_accelerators == ["0", "1"]


def test_settings_assigned_after_construction_are_used() -> None:
    ex = HighThroughputExecutor(provider=LocalProvider(launcher=SimpleLauncher()))
    ex.max_workers_per_node = 3  # as Parsl's tests do between fresh_config() and parsl.load()
    assert ex.workers_per_node == 3
    ex.provider.cores_per_node = 2  # type: ignore[union-attr]
    assert ex.workers_per_node == 2


@pytest.mark.parametrize("spec", [{"priority": 1}, {"cores": 2, "memory": 100, "disk": 1, "running_time": 60}, {},
                                  {"cores": 0.5, "memory": 0, "disk": 0.0, "running_time": 0.25, "priority": -1}])
def test_accepted_resource_specifications(spec: dict) -> None:
    HighThroughputExecutor().validate_resource_spec(spec)


@pytest.mark.parametrize("spec, bad", [
    ({"num_nodes": 2}, {"num_nodes"}), ({"priority": "high"}, {"priority"}), ({"gpus": 1, "cores": 1}, {"gpus"}),
    ({"cores": -1}, {"cores"}), ({"memory": "4GB"}, {"memory"}), ({"disk": -0.5}, {"disk"}),
    ({"running_time": 0}, {"running_time"}), ({"running_time": -3}, {"running_time"}),
    ({"cores": True}, {"cores"}), ({"memory": float("nan")}, {"memory"}), ({"disk": float("inf")}, {"disk"}),
    ({"cores": 1, "running_time": None}, {"running_time"}),
])
def test_invalid_resource_specifications(spec: dict, bad: set) -> None:
    with pytest.raises(InvalidResourceSpecification) as info:
        HighThroughputExecutor().validate_resource_spec(spec)
    assert info.value.invalid_keys == bad
    assert next(iter(bad)) in str(info.value)


def test_toml_config_names_the_plugin(tmp_path) -> None:
    from parsl.configfile.loader import load_config_file

    path = tmp_path / "config.toml"
    path.write_text('[[executors]]\ntype = "htex"\nlabel = "cluster"\nmax_workers_per_node = 2\n'
                    'cpu_affinity = "block"\n[executors.provider]\ntype = "local"\ninit_blocks = 1\n')
    config = load_config_file(path)
    (ex,) = config.executors
    assert isinstance(ex, HighThroughputExecutor)
    assert (ex.label, ex.max_workers_per_node, ex.cpu_affinity) == ("cluster", 2, "block")
