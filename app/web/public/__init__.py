from app.web.public import manage as _manage  # noqa: F401  -- registers /v/<token> on bp
from app.web.public.views import bp

__all__ = ["bp"]
