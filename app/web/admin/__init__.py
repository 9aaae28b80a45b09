from app.web.admin import analytics as _analytics  # noqa: F401  -- registers /analytics on bp
from app.web.admin import billing as _billing  # noqa: F401  -- registers /tenants/<id>/billing on bp
from app.web.admin import outbox as _outbox  # noqa: F401  -- registers /outbox on bp
from app.web.admin import tools as _tools  # noqa: F401  -- registers the support tools on bp
from app.web.admin.views import bp

__all__ = ["bp"]
