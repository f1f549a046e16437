"""Parsl site templates: ``parsl.load(site="frontera", account="abc")``, ``parsl site new``.

Third parties ship their own sites with a ``parsl_register_sites`` hook that registers
``template_site(path)`` for each template file (see the package README).
"""

from parsl_sites.site import TemplateSite, template_site
from parsl_sites.template import Parameter, SiteError, SiteTemplate, parse_template

__all__ = ["Parameter", "SiteError", "SiteTemplate", "TemplateSite", "parse_template", "template_site"]
