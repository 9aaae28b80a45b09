from app.web.owner import billing as _billing  # noqa: F401  -- registers /billing on bp
from app.web.owner import messages as _messages  # noqa: F401  -- registers /messages on bp
from app.web.owner import share as _share  # noqa: F401  -- registers /share on bp
from app.web.owner.analytics import register_analytics_routes
from app.web.owner.clients import register_client_routes
from app.web.owner.views import bp

register_client_routes(bp)  # /clients...
register_analytics_routes(bp)  # /analytics

__all__ = ["bp"]
