from app.web.main.views import bp

__all__ = ["bp"]
