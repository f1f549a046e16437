"""``TemplateSite``: the ``parsl.sites.Site`` that a template file registers as."""

from __future__ import annotations

import functools
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, ClassVar, Mapping

from parsl.sites import Site
from parsl_sites.template import SiteTemplate, parse_template


class TemplateSite(Site):
    """A site whose config comes from a template file; read on first use, so registering is cheap."""

    source: ClassVar[Traversable | Path]
    site_name: ClassVar[str]
    origin: ClassVar[str] = "parsl-sites"

    @classmethod
    def template(cls) -> SiteTemplate:
        return _parse(cls.source, cls.site_name)

    @classmethod
    def config_data(cls, params: Mapping[str, Any]) -> dict[str, Any]:
        return cls.template().render(params)


@functools.lru_cache(maxsize=None)
def _parse(source: Traversable | Path, name: str) -> SiteTemplate:
    return parse_template(source.read_text(encoding="utf-8"), name, str(source))


def template_site(source: Traversable | Path, name: str | None = None, origin: str = "parsl-sites") -> type[TemplateSite]:
    """A ``TemplateSite`` class for a template file, to pass to ``register`` in ``parsl_register_sites``.

    ``name`` defaults to the file name without ``.toml``; the class is named after it
    (``frontera`` -> ``FronteraSite``) so it can also be asked for by that name.
    """
    name = name or source.name.removesuffix(".toml")
    class_name = "".join(part.capitalize() for part in name.replace("-", "_").split("_")) + "Site"
    return type(class_name, (TemplateSite,), {"source": source, "site_name": name, "origin": origin,
                                              "__module__": __name__})
