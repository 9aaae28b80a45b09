from app.web.owner import messages as _messages  # noqa: F401  -- registers /messages on bp
from app.web.owner.views import bp

__all__ = ["bp"]
