"""``TemplateSite``: the ``parsl.sites.Site`` that a template file registers as."""

from __future__ import annotations

from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, ClassVar, Mapping

from parsl.sites import Site
from parsl_sites.template import SiteTemplate, parse_template


class TemplateSite(Site):
    """A site whose config comes from a template file, read when used (so registering is cheap, and a
    registry update is seen by the next use)."""

    source: ClassVar[Traversable | Path]
    site_name: ClassVar[str]
    origin: ClassVar[str] = "parsl-sites"

    @classmethod
    def template(cls) -> SiteTemplate:
        return parse_template(cls.source.read_text(encoding="utf-8"), cls.site_name, str(cls.source))

    @classmethod
    def config_data(cls, params: Mapping[str, Any]) -> dict[str, Any]:
        return cls.template().render(params)


def template_site(source: Traversable | Path, name: str | None = None,
                  origin: str = "parsl-sites") -> type[TemplateSite]:
    """A ``TemplateSite`` class for a template file, to pass to ``register`` in ``parsl_register_sites``.

    ``name`` defaults to the file name without ``.toml``; the class is named after it
    (``frontera`` -> ``FronteraSite``) so it can also be asked for by that name.
    """
    name = name or source.name.removesuffix(".toml")
    class_name = "".join(part.capitalize() for part in name.replace("-", "_").split("_")) + "Site"
    return type(class_name, (TemplateSite,), {"source": source, "site_name": name, "origin": origin,
                                              "__module__": __name__})
