"""Response security headers and CORS for the JSON API."""

from __future__ import annotations

from flask import Flask, Response, request

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)


# The booking widget's pages (``?embed=1`` on the public site) may be framed by any site;
# every other page keeps ``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``.
FRAMEABLE_CSP = CSP.replace("frame-ancestors 'none'", "frame-ancestors *")


def allow_framing(response: Response) -> Response:
    """Let any site put this one response in an iframe (the embeddable booking widget)."""
    response.headers["Content-Security-Policy"] = FRAMEABLE_CSP
    response.headers.pop("X-Frame-Options", None)
    response.allow_framing = True
    return response


def standard_headers(config, path: str, framable: bool = False) -> list[tuple[str, str]]:
    """The security headers every response carries unless it set its own."""
    pairs = [("X-Content-Type-Options", "nosniff")]
    if not framable:
        pairs.append(("X-Frame-Options", "DENY"))
    pairs += [
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
    if not path.startswith("/api/docs"):
        pairs.append(("Content-Security-Policy", CSP))
    if config.get("HSTS"):
        pairs.append(("Strict-Transport-Security", "max-age=31536000; includeSubDomains"))
    return pairs


def cors_headers(config, path: str, origin: str | None) -> list[tuple[str, str]]:
    """CORS for the JSON API when ``origin`` is one of ``CORS_ORIGINS`` (add ``Origin`` to ``Vary``)."""
    origins = config.get("CORS_ORIGINS") or []
    if not (path.startswith("/api/v1") and origin and ("*" in origins or origin in origins)):
        return []
    return [
        ("Access-Control-Allow-Origin", origin),
        ("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept-Language, Idempotency-Key"),
        ("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS"),
        ("Access-Control-Max-Age", "600"),
    ]


def init_app(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        h = response.headers
        for name, value in standard_headers(app.config, request.path, getattr(response, "allow_framing", False)):
            h.setdefault(name, value)
        cors = cors_headers(app.config, request.path, request.headers.get("Origin"))
        for name, value in cors:
            h[name] = value
        if cors:
            response.vary.add("Origin")
        return response
