"""The one check for redirect targets taken from the request (``next=`` and friends).

A target is followed only when it is a path on the current host.  Browsers are lenient in
ways that turn innocent-looking strings into other hosts: ``\\`` counts as ``/``, tabs and
newlines inside a URL are dropped, and ``//host`` (scheme-relative) leaves the site.  So a
target is refused when, raw or after percent-decoding (repeatedly, for double encoding), it
contains a backslash or a control/space character, does not start with exactly one ``/``,
or parses with a scheme or a host.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

MAX_LENGTH = 2048


def _acceptable(candidate: str) -> bool:
    if "\\" in candidate or any(ord(ch) <= 0x20 or ord(ch) == 0x7F for ch in candidate):
        return False
    if not candidate.startswith("/") or candidate.startswith("//"):
        return False
    parts = urlsplit(candidate)
    return not (parts.scheme or parts.netloc)


def is_safe_path(target: str | None) -> bool:
    """True when ``target`` is a same-host path a browser cannot read as another host."""
    if not target or not isinstance(target, str) or len(target) > MAX_LENGTH:
        return False
    candidate = target
    for _ in range(4):  # raw, then each layer of percent-encoding
        if not _acceptable(candidate):
            return False
        decoded = unquote(candidate)
        if decoded == candidate:
            return True
        candidate = decoded
    return False  # encoded more deeply than any honest link


def safe_next(target: str | None, fallback: str) -> str:
    """``target`` if :func:`is_safe_path`, else ``fallback``."""
    return target if is_safe_path(target) else fallback
