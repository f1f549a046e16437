"""Hosted site registries: a signed JSON index of templates on an HTTPS server, cached locally.

Layout on the server, next to each other::

    index.json       {"expires": "2027-01-01T00:00:00Z",
                      "sites": {"acme": {"path": "sites/acme.toml", "sha256": "<hex>"}}}
    index.json.sig   base64 of the Ed25519 signature of index.json's exact bytes

``parsl site update`` fetches the index and its signature, checks the signature with the key given
to ``parsl site registry add``, refuses an expired index, fetches every template and checks its
SHA-256 and its contents, and only then replaces the registry's cache. Any failure leaves the
previous cache in place, and the sites are read from the cache, so they work offline.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import json
import os
import re
import shutil
import ssl
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import attrs
import tomli_w
import tomllib

from parsl_sites.template import SiteError, parse_template

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
FETCH_TIMEOUT = 30.0


class RegistryError(SiteError):
    """A hosted registry cannot be added or updated; its cached copy, if any, is untouched."""


@attrs.frozen
class Registry:
    """A hosted registry the user added: where it is and which key signs it."""

    name: str
    url: str
    key: str
    cafile: str | None = None


def home() -> Path:
    """Where registries and their caches live: ``$PARSL_SITES_HOME`` or ``~/.parsl/sites``."""
    return Path(os.environ.get("PARSL_SITES_HOME") or Path.home() / ".parsl" / "sites")


def _registries_file() -> Path:
    return home() / "registries.toml"


def registries() -> list[Registry]:
    """Every registry added, in name order."""
    path = _registries_file()
    if not path.exists():
        return []
    data = tomllib.loads(path.read_text())
    return [Registry(name=n, **fields) for n, fields in sorted(data.get("registries", {}).items())]


def add_registry(url: str, key: str, name: str | None = None, cafile: str | None = None) -> Registry:
    """Record a registry (an HTTPS URL of its ``index.json`` and its Ed25519 public key)."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme != "https" or not parsed.hostname:
        raise RegistryError(f"registry URL {url!r} is not HTTPS: a site registry must be served over https://")
    _public_key(key, url)
    name = name or parsed.hostname
    if not _NAME.match(name):
        raise RegistryError(f"registry name {name!r}: use lower-case letters, digits, '.', '_' and '-'")
    if cafile is not None and not Path(cafile).is_file():
        raise RegistryError(f"registry {name!r}: CA file {cafile!r} does not exist")
    registry = Registry(name, url, key, str(Path(cafile).resolve()) if cafile else None)
    entries = {r.name: _fields(r) for r in registries()}
    entries[name] = _fields(registry)
    _registries_file().parent.mkdir(parents=True, exist_ok=True)
    _registries_file().write_text(tomli_w.dumps({"registries": entries}))
    return registry


def _fields(registry: Registry) -> dict[str, str]:
    return {k: v for k, v in attrs.asdict(registry).items() if k != "name" and v is not None}


def cache_dir(registry_name: str) -> Path:
    return home() / "cache" / registry_name


def cached_sites() -> Iterator[tuple[str, Path]]:
    """(registry name, template file) for every template in every registry's cache."""
    root = home() / "cache"
    if not root.is_dir():
        return
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        for source in sorted((folder / "sites").glob("*.toml")):
            yield folder.name, source


def update(registry: Registry, now: datetime.datetime | None = None) -> list[str]:
    """Fetch, verify and cache ``registry``; return its site names. ``RegistryError`` leaves the cache as it was."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    index_bytes = _fetch(registry, registry.url)
    signature = _fetch(registry, registry.url + ".sig")
    _verify(registry, index_bytes, signature)
    index = _parse_index(registry, index_bytes, now)
    staging = Path(tempfile.mkdtemp(prefix=f".{registry.name}-", dir=_cache_root()))
    try:
        (staging / "sites").mkdir()
        for site, entry in sorted(index["sites"].items()):
            body = _fetch(registry, urllib.parse.urljoin(registry.url, entry["path"]))
            digest = hashlib.sha256(body).hexdigest()
            if digest != entry["sha256"]:
                raise RegistryError(f"registry {registry.name!r}: template {site!r} does not match the signed index "
                                    f"(sha256 {digest}, index says {entry['sha256']}); refusing the update")
            try:
                parse_template(body.decode("utf-8"), site, f"{registry.name}/{site}")
            except (SiteError, UnicodeDecodeError) as e:
                raise RegistryError(f"registry {registry.name!r}: template {site!r} is invalid: {e}") from None
            (staging / "sites" / f"{site}.toml").write_bytes(body)
        (staging / "index.json").write_bytes(index_bytes)
        _replace(staging, cache_dir(registry.name))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return sorted(index["sites"])


def _cache_root() -> Path:
    root = home() / "cache"
    root.mkdir(parents=True, exist_ok=True)
    return root


def _replace(new: Path, target: Path) -> None:
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)


def _fetch(registry: Registry, url: str) -> bytes:
    context = ssl.create_default_context(cafile=registry.cafile)
    try:
        with urllib.request.urlopen(url, timeout=FETCH_TIMEOUT, context=context) as response:
            return bytes(response.read())
    except urllib.error.HTTPError as e:
        raise RegistryError(f"registry {registry.name!r}: {url} answered HTTP {e.code} {e.reason}") from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", e)
        raise RegistryError(f"registry {registry.name!r}: cannot reach {url}: {reason}") from None


def _public_key(key: str, where: str) -> Any:
    try:
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        raise RegistryError("hosted site registries need the cryptography library: "
                            "pip install 'parsl-sites[hosted]'") from None

    try:
        raw = base64.b64decode(key, validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError):
        raise RegistryError(f"registry {where}: key {key!r} is not a base64 Ed25519 public key (32 bytes)") from None


def _verify(registry: Registry, index_bytes: bytes, signature: bytes) -> None:
    from cryptography.exceptions import InvalidSignature

    try:
        _public_key(registry.key, registry.name).verify(base64.b64decode(signature.strip(), validate=True), index_bytes)
    except (InvalidSignature, binascii.Error, ValueError):
        raise RegistryError(f"registry {registry.name!r}: the signature of {registry.url} does not match the "
                            f"registry's key; refusing the update") from None


def _parse_index(registry: Registry, index_bytes: bytes, now: datetime.datetime) -> dict[str, Any]:
    where = f"registry {registry.name!r}: index {registry.url}"
    try:
        index = json.loads(index_bytes)
        expires = datetime.datetime.fromisoformat(index["expires"].replace("Z", "+00:00"))
        sites = index["sites"]
        for site, entry in sites.items():
            if not _NAME.match(site) or not isinstance(entry["path"], str) or not re.fullmatch(r"[0-9a-f]{64}",
                                                                                               entry["sha256"]):
                raise ValueError(f"bad entry for site {site!r}")
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise RegistryError(f"{where} is malformed: {e}") from None
    if expires.tzinfo is None:
        raise RegistryError(f"{where}: 'expires' must carry a time zone, got {index['expires']!r}")
    if expires <= now:
        raise RegistryError(f"{where} expired at {index['expires']}; refusing it (ask the registry's maintainer "
                            f"to re-sign it)")
    return dict(index)
