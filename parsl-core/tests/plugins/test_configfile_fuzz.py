"""Whatever nested data a TOML or YAML file holds, the loader answers with a Config or a ConfigFileError."""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsl.config import Config
from parsl.configfile import ConfigFileError, config_from_data

pytestmark = pytest.mark.usefixtures("fake_manager")

KEYS = [f.name for f in attrs.fields(Config)] + [
    "type", "label", "provider", "launcher", "nodes_per_block", "partition", "max_workers",
    "worker_port_range", "prefix", "checkpoint_mode", "memoizer", "x", ""]
NAMES = ["fake", "fakeprov", "echo", "threads", "slurm", "htex", "shallow", "deep", "task_exit", "os:getcwd"]

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.sampled_from(NAMES), st.text(max_size=8))
data = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=5)), children, max_size=5)),
    max_leaves=25)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.sampled_from(KEYS), data, max_size=6))
def test_only_config_errors_come_out(raw: dict[str, Any]) -> None:
    try:
        config = config_from_data(raw)
    except ConfigFileError as e:
        assert e.problems and all(isinstance(p, str) and p for p in e.problems)
    else:
        assert isinstance(config, Config)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data)
def test_any_top_level_value(raw: Any) -> None:
    try:
        config_from_data(raw)
    except ConfigFileError:
        pass
