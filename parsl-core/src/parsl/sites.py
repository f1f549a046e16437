"""Site templates: named, parameterised configurations offered by plugins.

A plugin offers a site through ``parsl_register_sites`` like any other plugin kind; the core only
knows this interface. ``parsl.load(site="frontera", account="abc")`` and a config file holding
``site = "frontera"`` (or a ``[site]`` table with ``name`` and the parameters) both come here.
"""

from __future__ import annotations

from typing import Any, Mapping


class Site:
    """A site template: turns parameter values into config-file data (as ``config_from_data`` reads).

    Subclasses raise ``parsl.errors.ConfigurationError`` naming the parameter for bad values.
    """

    @classmethod
    def config_data(cls, params: Mapping[str, Any]) -> dict[str, Any]:
        """The config for these parameter values, as plain data."""
        raise NotImplementedError(f"{cls.__qualname__} does not implement config_data")


def expand_site(data: Mapping[str, Any]) -> dict[str, Any]:
    """Replace a config's ``site`` key by the site's config; the file's other keys override it.

    ``site`` is a site name, or a table holding ``name`` and the site's parameters.
    """
    from parsl.errors import ConfigurationError
    from parsl.plugins.manager import get_plugin_manager

    rest = {k: v for k, v in data.items() if k != "site"}
    spec = data["site"]
    if isinstance(spec, str):
        name, params = spec, {}
    elif isinstance(spec, Mapping) and isinstance(spec.get("name"), str):
        name, params = spec["name"], {k: v for k, v in spec.items() if k != "name"}
    else:
        raise ConfigurationError(f"site: expected a site name or a table with a 'name' key, got {spec!r}")
    site: type[Site] = get_plugin_manager().get("site", name)  # registration checked it subclasses Site
    return {**site.config_data(params), **rest}
