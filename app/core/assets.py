"""Fingerprinted static URLs: ``/static/css/app.<hash>.css``, cached for a year.

:func:`fingerprinted` puts the first 12 hex digits of the file's SHA-256 into its name
(``asset()`` in templates calls it); :func:`init_app` wraps the static views so that such a
name serves the real file with ``Cache-Control: public, max-age=31536000, immutable``.  A
changed file gets a new name, so a browser or CDN never needs to ask again.  A name whose
hash is not the file's current one (a page rendered before a deploy) still serves the
current file, with a short lifetime only; a plain name keeps the static views' own lifetime.
Hashes are computed once per file and process (in debug mode again whenever the file
changes), so no build step is needed and the files on disk keep their plain names.
"""

from __future__ import annotations

import hashlib
import re
from functools import wraps
from pathlib import Path

from flask import Flask, current_app, has_app_context, send_from_directory

STATIC = Path(__file__).resolve().parent.parent / "static"
IMMUTABLE_MAX_AGE = 31536000  # one year
STALE_MAX_AGE = 60  # an old fingerprint answered with the current file
_HASH_LEN = 12
_NAME = re.compile(rf"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{{{_HASH_LEN}}})(?P<ext>\.[A-Za-z0-9]+)$")
_hashes: dict[str, tuple[int, str]] = {}  # path -> (mtime_ns, hash)


def content_hash(path: str) -> str | None:
    """The file's fingerprint, or ``None`` if there is no such file under ``app/static``."""
    known = _hashes.get(path)
    debug = has_app_context() and current_app.debug
    if known is not None and not debug:
        return known[1]  # checked when it was stored: no file system calls per page
    f = (STATIC / path).resolve()
    if not f.is_relative_to(STATIC) or not f.is_file():
        return None
    mtime = f.stat().st_mtime_ns
    if known is not None and known[0] == mtime:
        return known[1]
    digest = hashlib.sha256(f.read_bytes()).hexdigest()[:_HASH_LEN]
    _hashes[path] = (mtime, digest)
    return digest


def fingerprinted(path: str) -> str:
    """``css/app.css`` -> ``/static/css/app.<hash>.css`` (a missing file keeps its plain name)."""
    digest = content_hash(path)
    if digest is None:
        return f"/static/{path}"
    stem, dot, ext = path.rpartition(".")
    if not dot or "/" in ext:
        return f"/static/{path}.{digest}"
    return f"/static/{stem}.{digest}.{ext}"


def _split(filename: str) -> tuple[str, str] | None:
    """``css/app.<hash>.css`` -> (``css/app.css``, hash) when that plain file exists."""
    m = _NAME.match(filename)
    if m is None:
        return None
    plain = m["stem"] + m["ext"]
    return (plain, m["hash"]) if content_hash(plain) is not None else None


def _serve(view):
    @wraps(view)
    def static(filename: str, **kwargs):
        found = _split(filename)
        if found is None:
            return view(filename, **kwargs)
        plain, digest = found
        current = digest == content_hash(plain)
        response = send_from_directory(STATIC, plain, max_age=IMMUTABLE_MAX_AGE if current else STALE_MAX_AGE)
        response.cache_control.public = True
        response.cache_control.immutable = current
        return response

    return static


def init_app(app: Flask) -> None:
    """Let every static endpoint (main host and tenant hosts) answer fingerprinted names."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint == "static" or endpoint.startswith("static_"):
            app.view_functions[endpoint] = _serve(view)
