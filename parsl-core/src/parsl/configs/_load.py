"""Build a site configuration from the TOML file shipped next to its module.

The configurations are data (``<name>.toml``, in the config-file format of ``parsl.configfile``),
so each ``parsl.configs.<name>`` module only loads its file. A value Parsl computes at import
(``address_by_interface('ib0')``, a fresh project name) is passed in by the module and set at its
key path before the data is checked. A plugin that is not installed makes the import fail with
``PluginNotFound`` (an ``ImportError``) naming the distribution, as importing it by its Parsl path
would.
"""

from __future__ import annotations

import re
from importlib.resources import files
from typing import Any, Mapping

from parsl.config import Config
from parsl.configfile import ConfigFileError, config_from_data, parse_text
from parsl.plugins.manager import PluginNotFound

_STEP = re.compile(r"\.?([A-Za-z_]\w*)|\[(\d+)\]")


def load(module: str, computed: Mapping[str, Any] | None = None) -> Config:
    """The ``Config`` of site module ``module`` (its ``__name__``), with ``computed`` values set.

    ``computed`` maps a key path as config-file errors print it (``"executors[0].address"``) to
    the value to put there.
    """
    name = module.rpartition(".")[2]
    source = f"parsl/configs/{name}.toml"
    data = parse_text(files(__package__).joinpath(f"{name}.toml").read_text(), "toml", source)
    for path, value in (computed or {}).items():
        _set(data, path, value)
    try:
        return config_from_data(data, source)
    except ConfigFileError as e:
        missing = _missing_plugins(e)
        if missing:
            raise PluginNotFound(f"{module} needs a plugin that is not available: " + "; ".join(missing)) from e
        raise


def _set(data: Any, path: str, value: Any) -> None:
    """Set ``value`` at ``path`` (``a.b[0].c``) in nested tables and lists that already exist."""
    steps = [key if key else int(index) for key, index in _STEP.findall(path)]
    try:
        for step in steps[:-1]:
            data = data[step]
        data[steps[-1]] = value
    except (KeyError, IndexError, TypeError):
        raise ValueError(f"no place for a computed value at {path!r} in the site configuration") from None


def _missing_plugins(error: BaseException) -> list[str]:
    """The messages of every ``PluginNotFound`` behind ``error`` (raised while structuring)."""
    found: list[str] = []
    stack, seen = [error], set()
    while stack:
        exc = stack.pop()
        if id(exc) in seen:
            continue
        seen.add(id(exc))
        if isinstance(exc, PluginNotFound):
            found.append(str(exc))
        stack.extend(getattr(exc, "exceptions", ()))
        if exc.__context__ is not None:
            stack.append(exc.__context__)
    return sorted(set(found))
