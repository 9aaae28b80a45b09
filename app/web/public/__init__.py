"""The business's public site; its pages register on ``bp`` when their modules load."""

from app.web.public import flow, manage, verify, views  # noqa: F401  -- register their pages on bp
from app.web.public.site import bp

__all__ = ["bp"]
