from app.web.master.views import bp

__all__ = ["bp"]
