from app.web.manager.views import bp

__all__ = ["bp"]
