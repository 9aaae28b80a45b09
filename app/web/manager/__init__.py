from app.web.manager.views import bp
from app.web.owner.analytics import register_analytics_routes
from app.web.owner.clients import register_client_routes

register_client_routes(bp)  # /clients... (the manager's location)
register_analytics_routes(bp)  # /analytics (the manager's location)

__all__ = ["bp"]
