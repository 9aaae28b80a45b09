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


def init_app(app: Flask) -> None:
    @app.after_request
    def _headers(response: Response) -> Response:
        h = response.headers
        h.setdefault("X-Content-Type-Options", "nosniff")
        if not getattr(response, "allow_framing", False):
            h.setdefault("X-Frame-Options", "DENY")
        h.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if not request.path.startswith("/api/docs"):
            h.setdefault("Content-Security-Policy", CSP)
        if app.config.get("HSTS"):
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        origins = app.config.get("CORS_ORIGINS") or []
        origin = request.headers.get("Origin")
        if request.path.startswith("/api/v1") and origin and ("*" in origins or origin in origins):
            h["Access-Control-Allow-Origin"] = origin
            h["Vary"] = "Origin"
            h["Access-Control-Allow-Headers"] = "Authorization, Content-Type, Accept-Language, Idempotency-Key"
            h["Access-Control-Allow-Methods"] = "GET, POST, PUT, DELETE, OPTIONS"
            h["Access-Control-Max-Age"] = "600"
        return response
