"""Parsl's example site configurations, under Parsl's module names: each module defines ``config``.

``from parsl.configs.htex_local import config`` works as in Parsl's tutorials. Each configuration
is a config file, ``<name>.toml`` next to its module, which the module loads (``_load.load``);
the few values Parsl computes at import (a network interface's address) are set by the module.
With a plugin missing the import fails with the ``ImportError`` (``PluginNotFound``) that names
the distribution to install (or the planned one). Placeholders in
capitals (``YOUR_ACCOUNT``) are the values each user fills in, as in Parsl. Like Parsl's, these
configurations opt in to usage tracking at level 1; modules that pin a network interface
(``address_by_interface('ib0')``) only load on a host that has it.
"""
