"""Configs naming every kind of first-party plugin load, dump and load again to the same thing."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsl.configfile import config_to_data, dumps, load_config_file

FULL = """
retries = 1
strategy = "htex_auto_scale"
max_idletime = 30.0

[monitoring]
type = "hub"
resource_monitoring_interval = 5

[[executors]]
type = "htex"
label = "cluster"
max_workers_per_node = 4
cores_per_worker = 0.5
worker_port_range = [50000, 50100]
storage_access = [{ type = "file" }, { type = "https" }, { type = "ftp" }]

[executors.provider]
type = "slurm"
partition = "debug"
nodes_per_block = 2
walltime = "01:00:00"

[executors.provider.launcher]
type = "srun"
overrides = "--cpu-bind=cores"

[executors.provider.channel]
type = "ssh"
hostname = "login.example.org"
username = "me"
script_dir = "parsl_scripts"
host_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIMkyiWkIQd/ymCWVTjhk/yOJNnTjIglvWHRzCOghfQAU"

[[executors]]
type = "htex"
label = "sge"

[executors.provider]
type = "gridengine"

[[executors]]
type = "threads"
label = "local"
max_threads = 4
"""


@pytest.mark.parametrize("fmt", ["toml", "yaml"])
def test_every_plugin_kind_round_trips(tmp_path: Path, fmt: str) -> None:
    source = tmp_path / "full.toml"
    source.write_text(FULL)
    config = load_config_file(source)
    labels = [(e.label, type(e).__name__, type(getattr(e, "provider", None)).__name__) for e in config.executors]
    assert labels == [("cluster", "HighThroughputExecutor", "SlurmProvider"),
                      ("sge", "HighThroughputExecutor", "GridEngineProvider"),
                      ("local", "ThreadPoolExecutor", "NoneType")]
    assert type(config.executors[0].provider.launcher).__name__ == "SrunLauncher"
    channel = config.executors[0].provider.channel
    assert (type(channel).__name__, channel.hostname, channel.port) == ("SSHChannel", "login.example.org", 22)
    assert type(config.executors[1].provider.channel).__name__ == "LocalChannel"
    assert [type(s).__name__ for s in config.executors[0].storage_access] == [
        "NoOpFileStaging", "HTTPSeparateTaskStaging", "FTPSeparateTaskStaging"]
    assert type(config.monitoring).__name__ == "MonitoringHub"

    again = tmp_path / f"again.{fmt}"
    again.write_text(dumps(config, fmt))
    reloaded = load_config_file(again)
    assert config_to_data(reloaded) == config_to_data(config)
    assert repr(reloaded) == repr(config)
