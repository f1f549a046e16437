"""Every module path of the reference Parsl wheel (tests excluded) imports here, or says why not.

The wheel is read as a zip file (``parsl.testing.reference``); each path is imported in a fresh
interpreter with every distribution of ours installed, inside a network namespace that has the
interfaces Parsl's site configurations pin (``address_by_interface('ib0')``...) and a default route
(``address_by_route()``), so those build their ``Config`` as on their site. Expected outcomes:

- it imports (a ``parsl.configs`` module also builds a ``Config`` with Parsl's executor labels);
- a planned capability (``parsl.plugins.known.PLANNED_*``): the error names the planned distribution;
- a module done differently here (``REPLACED_MODULES``): the error says what replaces it.
"""

from __future__ import annotations

import ast
import os
import shutil
from pathlib import Path

import pytest

from parsl.plugins.known import planned_for, planned_for_module, replacement_for_module
from parsl.testing.reference import import_report, reference_wheel, wheel_modules, wheel_source

#: Interfaces Parsl's site configurations name, created (as veth pairs) in the test's network namespace.
SITE_INTERFACES = {"ib0": "192.0.2.7/24", "ens3f0": "192.0.2.8/24", "bond0": "192.0.2.9/24", "em3": "192.0.2.10/24"}

#: Parsl's Globus Compute site configurations build an SDK ``Executor`` at import, which asks the user
#: to log in to Globus (as with real Parsl); no Globus is reachable here, so the login is refused.
NEEDS_GLOBUS_LOGIN = {"parsl.configs.gc_multisite", "parsl.configs.gc_tutorial"}

#: Parsl's Azure configuration builds an ``AzureProvider`` at import from placeholders
#: (``'YOUR_VM_DISK_SIZE'``) and a key file that is not there: it fails, as with real Parsl, naming
#: the first value it cannot use.
NEEDS_AZURE_VALUES = {"parsl.configs.Azure"}

WHEEL = reference_wheel()
MODULES = wheel_modules(WHEEL)


def _namespace_wrapper() -> list[str]:
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.fail("the site-configuration imports need root, unshare(1) and ip(8) to make a network "
                    "namespace with the interfaces the configurations name")
    setup = "; ".join(f"ip link add {name} type veth peer name {name}p && ip addr add {addr} dev {name} && "
                      f"ip link set {name} up" for name, addr in SITE_INTERFACES.items())
    # a default route, as on a site's login node: Parsl's kubernetes configuration calls address_by_route()
    route = f"ip route add default via 192.0.2.1 dev {next(iter(SITE_INTERFACES))}"
    return ["unshare", "--net", "--", "sh", "-c", f"{setup} && {route} && exec \"$@\"", "sh"]


@pytest.fixture(scope="module")
def report() -> dict[str, dict]:
    return import_report(sorted(MODULES), wrapper=_namespace_wrapper())


def _planned_in_config(module: str) -> str | None:
    """The planned distribution a Parsl site configuration needs, from the names it imports."""
    tree = ast.parse(wheel_source(WHEEL, MODULES[module]))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            planned = planned_for_module(node.module)
            kind = {"parsl.executors": "executor", "parsl.providers": "provider"}.get(node.module)
            for alias in node.names:
                planned = planned or (planned_for(kind, alias.name) if kind else None)
            if planned is not None:
                return planned.distribution
    return None


def _labels_in_config(module: str) -> list[str]:
    """The executor labels a Parsl site configuration sets (``label=`` keywords), in order."""
    tree = ast.parse(wheel_source(WHEEL, MODULES[module]))
    return [kw.value.value for node in ast.walk(tree) if isinstance(node, ast.Call) for kw in node.keywords
            if kw.arg == "label" and isinstance(kw.value, ast.Constant)]


def test_the_wheel_lists_parsls_module_surface() -> None:
    assert len(MODULES) == 196
    assert {"parsl", "parsl.configs.htex_local", "parsl.benchmark.perf", "parsl.curvezmq"} <= set(MODULES)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_path(report: dict[str, dict], module: str) -> None:
    got = report[module]
    if got["outcome"] == "ok":  # a plugin serving a planned or replaced path takes precedence
        if module.startswith("parsl.configs.") and module != "parsl.configs":
            _check_site_config(module, got["config"])
        return
    planned = planned_for_module(module)
    if module in NEEDS_GLOBUS_LOGIN:
        assert not got["import_error"] and "authorization code" in got["message"].lower(), got
    elif module in NEEDS_AZURE_VALUES:
        assert "vm_reference['disk_size_gb']='YOUR_VM_DISK_SIZE'" in got["message"], got
    elif module.startswith("parsl.configs.") and (dist := _planned_in_config(module)):
        assert got["import_error"], got
        assert f"planned as {dist}" in got["message"], got
    elif planned is not None:
        assert got["outcome"] == "ModuleNotFoundError", got
        assert f"has no distribution yet: it is planned as {planned.distribution}" in got["message"], got
    elif (replacement := replacement_for_module(module)) is not None:
        assert got["outcome"] == "ModuleNotFoundError", got
        assert replacement in got["message"], got
    else:
        pytest.fail(f"{module} does not import: {got['outcome']}: {got['message']}")


def _check_site_config(module: str, config: dict) -> None:
    """Our site configuration builds a ``Config`` with Parsl's executor labels and usage-tracking level."""
    assert config["type"] == "Config"
    labels = _labels_in_config(module)
    assert config["labels"] == (labels or config["labels"][:1]), config
    uses_tracking = "usage_tracking" in wheel_source(WHEEL, MODULES[module])
    assert config["usage_tracking"] == (1 if uses_tracking else 0)


def test_the_plugin_free_core_names_a_distribution_for_every_plugin_path(tmp_path: Path) -> None:
    """With plugin autoloading off, a plugin's Parsl path names the distribution to install."""
    paths = ["parsl.executors.high_throughput.executor", "parsl.providers.slurm.slurm", "parsl.monitoring",
             "parsl.curvezmq", "parsl.data_provider.rsync", "parsl.providers.condor.template"]
    env = {**os.environ, "PARSL_DISABLE_PLUGIN_AUTOLOAD": "1"}
    got = import_report(paths, env=env)
    for path in paths:
        assert got[path]["outcome"] == "ModuleNotFoundError", got[path]
        assert "it is provided by a plugin that is not installed: pip install parsl-" in got[path]["message"]
