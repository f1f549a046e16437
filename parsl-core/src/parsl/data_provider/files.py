"""``File``: a file named by URL, which apps take in ``inputs``/``outputs`` and staging moves.

``File("data.txt")`` and ``File("file:///abs/data.txt")`` are local files; any other scheme
(``https://``, ``ftp://``, ``globus://``, ``zip:``) is served by the staging plugin that
registered that scheme. Staging may record where the file landed in ``local_path``; that is
what ``filepath`` (and ``os.fspath``) then return. ``site`` names the executor whose host holds
the file (``File("/scratch/in.dat", site="cluster")``); None means this machine or the URL's host.
"""

from __future__ import annotations

import os
from typing import Optional, Union
from urllib.parse import urlparse


class File:
    """A file, by URL, with the parts of the URL as attributes."""

    __slots__ = ("__weakref__", "filename", "local_path", "netloc", "path", "scheme", "site", "url")

    def __init__(self, url: Union[str, os.PathLike[str]], *, site: Optional[str] = None) -> None:
        if not isinstance(url, (str, os.PathLike)):
            raise TypeError(f"File url must be a str or os.PathLike, not {type(url).__name__}: {url!r}")
        self.url = os.fspath(url) if isinstance(url, os.PathLike) else url
        parsed = urlparse(self.url)
        self.scheme = parsed.scheme or "file"
        self.netloc = parsed.netloc
        self.path = parsed.path
        self.filename = os.path.basename(self.path)
        self.local_path: Optional[str] = None
        self.site = site

    def cleancopy(self) -> File:
        """A copy as constructed: the URL and site, without any ``local_path`` staging recorded."""
        return type(self)(self.url, site=self.site) if self.site is not None else type(self)(self.url)

    @property
    def filepath(self) -> str:
        """Where to open the file from here: ``local_path`` if staging set one, else a local path.

        A non-local URL that has not been staged has no path: that is a ``ValueError``.
        """
        if self.local_path is not None:
            return self.local_path
        if self.scheme == "file":
            return self.path
        raise ValueError(f"No local_path set for {self!r}")

    def __fspath__(self) -> str:
        return self.filepath

    def __str__(self) -> str:
        return self.filepath

    def __repr__(self) -> str:
        parts = [f"{type(self).__name__} at 0x{id(self):x}", f"url={self.url}", f"scheme={self.scheme}",
                 f"netloc={self.netloc}", f"path={self.path}", f"filename={self.filename}"]
        if self.local_path is not None:
            parts.append(f"local_path={self.local_path}")
        if self.site is not None:
            parts.append(f"site={self.site}")
        return f"<{' '.join(parts)}>"

    def __getstate__(self) -> dict:
        return {k: getattr(self, k) for k in self.__slots__ if k != "__weakref__"}

    def __setstate__(self, state: dict) -> None:
        self.site = None  # absent from Files pickled before sites existed
        for k, v in state.items():
            setattr(self, k, v)
