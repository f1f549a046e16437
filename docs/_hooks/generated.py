"""MkDocs hook: the "Supported sites" pages, generated from parsl-sites' templates at build time,
and ``<!-- include: PATH -->`` markers replaced by the repository file at PATH as a code block.

Generating from the templates themselves keeps the pages and the registry from drifting apart.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
_INCLUDE = "<!-- include: "
_LANG = {".py": "python", ".toml": "toml", ".yaml": "yaml"}


def _templates() -> list[Any]:
    from parsl_sites import parse_template

    sources = sorted((p for p in files("parsl_sites").joinpath("templates").iterdir() if p.name.endswith(".toml")),
                     key=lambda p: p.name)
    return [parse_template(p.read_text(), p.name.removesuffix(".toml"), p.name) for p in sources]


def _default(p: Any) -> str:
    if p.required:
        return "required"
    return "unset" if p.default is None else f"`{p.default!r}`"


def _site_page(t: Any) -> str:
    rows = "\n".join(f"| `{p.name}` | {p.type} | {_default(p)} | {p.description} |" for p in t.parameters.values())
    required = " ".join(f"--set {p.name}=..." for p in t.parameters.values() if p.required)
    return f"""# {t.title}

{t.description}

| | |
|---|---|
| login host | `{t.login_host}` |
| scheduler | {t.scheduler} |
| launcher | {t.launcher} |
| staging | {", ".join(f"`{s}`" for s in t.staging)} |
| site documentation | <{t.docs}> |

```console
$ parsl site new {t.name} {required} -o {t.name}.toml
$ parsl config check {t.name}.toml
```

## Parameters

| name | type | default | description |
|---|---|---|---|
{rows}
"""


def _index(templates: list[Any]) -> str:
    rows = "\n".join(f"| [{t.title}]({t.name}.md) | `{t.name}` | {t.scheduler} | `{t.login_host}` |" for t in templates)
    return f"""# Supported sites

Generated from the templates shipped in `parsl-sites` ([how to use them](../guide/sites.md)).

| site | name | scheduler | login host |
|---|---|---|---|
{rows}
"""


def on_config(config: Any) -> Any:
    """Expand the nav's "Supported sites" entry into one page per site."""
    pages = [{"All sites": "sites/index.md"}, *({t.title: f"sites/{t.name}.md"} for t in _templates())]
    config.nav = [{"Supported sites": pages} if entry == {"Supported sites": "sites/index.md"} else entry
                  for entry in config.nav]
    return config


def on_files(files_: Files, config: Any) -> Files:
    templates = _templates()
    pages = {"sites/index.md": _index(templates), **{f"sites/{t.name}.md": _site_page(t) for t in templates}}
    for path, text in pages.items():
        files_.append(File.generated(config, path, content=text))
    return files_


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    out = []
    for line in markdown.splitlines():
        if line.startswith(_INCLUDE) and line.endswith("-->"):
            rel = line[len(_INCLUDE):-3].strip()
            path = ROOT / rel
            out.append(f"`{rel}`\n\n```{_LANG.get(path.suffix, '')}\n{path.read_text().rstrip()}\n```")
        else:
            out.append(line)
    return "\n".join(out)
