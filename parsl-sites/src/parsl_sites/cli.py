"""``parsl site list|show|new|update`` and ``parsl site registry add|list``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import tomli_w

from parsl.errors import ConfigurationError
from parsl.plugins.manager import get_plugin_manager
from parsl_sites import hosted
from parsl_sites.site import TemplateSite
from parsl_sites.template import SiteError, SiteTemplate


def _site(name: str) -> type[TemplateSite]:
    cls = get_plugin_manager().get("site", name)
    if not issubclass(cls, TemplateSite):
        raise SiteError(f"site {name!r} ({cls.__qualname__}) is not a template site; load it with parsl.load(site=...)")
    return cls


def list_sites(args: argparse.Namespace) -> int:
    for reg in get_plugin_manager().registrations("site"):
        title = reg.cls.template().title if issubclass(reg.cls, TemplateSite) else reg.cls.__doc__ or ""
        print(f"{reg.name:24} {title}  [{reg.plugin.distribution}]")
    return 0


def show(args: argparse.Namespace) -> int:
    t = _site(args.name).template()
    print(f"{t.name}: {t.title}")
    if t.description:
        print(f"  {t.description}")
    for label, value in (("login host", t.login_host), ("scheduler", t.scheduler), ("launcher", t.launcher),
                         ("staging", ", ".join(t.staging) or "-"), ("docs", t.docs or "-")):
        print(f"  {label + ':':12} {value}")
    print("parameters:")
    for p in t.parameters.values():
        state = "required" if p.required else f"default {p.default!r}" if p.default is not None else "optional"
        print(f"  {p.name} ({p.type}, {state}): {p.description}")
    return 0


def _parse_sets(template: SiteTemplate, pairs: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep:
            raise SiteError(f"--set {pair!r}: expected NAME=VALUE")
        param = template.parameters.get(key)
        values[key] = param.parse(template.name, text) if param else text  # unknown names: render() says so
    return values


def new(args: argparse.Namespace) -> int:
    site = _site(args.name)
    template = site.template()
    data = template.render(_parse_sets(template, args.set))
    header = f"# Parsl config for {template.title}, from site template {template.name!r} (parsl site new)\n"
    text = header + tomli_w.dumps(data)
    if args.output:
        Path(args.output).write_text(text)
        print(f"wrote {args.output}; check it with: parsl config check {args.output}")
    else:
        print(text, end="")
    return 0


def registry_add(args: argparse.Namespace) -> int:
    registry = hosted.add_registry(args.url, args.key, args.name, args.cafile)
    print(f"added registry {registry.name!r} ({registry.url}); fetch its sites with: parsl site update")
    return 0


def registry_list(args: argparse.Namespace) -> int:
    for registry in hosted.registries():
        print(f"{registry.name:24} {registry.url}")
    return 0


def update(args: argparse.Namespace) -> int:
    failed = 0
    for registry in hosted.registries():
        try:
            sites = hosted.update(registry)
        except hosted.RegistryError as e:
            failed += 1
            kept = "the cached copy stays in use" if hosted.cache_dir(registry.name).exists() else "no cached copy"
            print(f"{e} ({kept})", file=sys.stderr)
            continue
        print(f"{registry.name}: {len(sites)} sites: {', '.join(sites)}")
    return 1 if failed else 0


def _guarded(handler: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            return int(handler(args))
        except ConfigurationError as e:
            print(f"parsl site: {e}", file=sys.stderr)
            return 1
    return run


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("site", help="site templates: list, show, make a config file, hosted registries")
    sub = p.add_subparsers(dest="site_command", required=True)
    sub.add_parser("list", help="every installed site").set_defaults(handler=_guarded(list_sites))
    s = sub.add_parser("show", help="a site's facts and parameters")
    s.add_argument("name")
    s.set_defaults(handler=_guarded(show))
    n = sub.add_parser("new", help="write a complete config file for a site")
    n.add_argument("name")
    n.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a parameter value")
    n.add_argument("-o", "--output", help="file to write (default: standard output)")
    n.set_defaults(handler=_guarded(new))
    sub.add_parser("update", help="fetch and verify every hosted registry").set_defaults(handler=_guarded(update))
    r = sub.add_parser("registry", help="hosted site registries")
    rsub = r.add_subparsers(dest="registry_command", required=True)
    a = rsub.add_parser("add", help="add a registry: the https URL of its index.json and its Ed25519 key")
    a.add_argument("url")
    a.add_argument("--key", required=True, help="the registry's Ed25519 public key, base64")
    a.add_argument("--name", help="short name (default: the URL's host); its sites are NAME/SITE")
    a.add_argument("--cafile", help="CA certificate(s) to trust for this registry (PEM)")
    a.set_defaults(handler=_guarded(registry_add))
    rsub.add_parser("list", help="every registry added").set_defaults(handler=_guarded(registry_list))
