from app.web.owner.views import bp

__all__ = ["bp"]
