"""Parsl's example site configurations, under Parsl's module names: each module defines ``config``.

``from parsl.configs.htex_local import config`` works as in Parsl's tutorials. A site module
imports the plugins it uses through Parsl's paths, so with a plugin missing the import fails with
the ``ImportError`` that names the distribution to install (or the planned one). Placeholders in
capitals (``YOUR_ACCOUNT``) are the values each user fills in, as in Parsl. Like Parsl's, these
configurations opt in to usage tracking at level 1; modules that pin a network interface
(``address_by_interface('ib0')``) only load on a host that has it.
"""
