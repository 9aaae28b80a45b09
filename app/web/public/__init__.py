from app.web.public.views import bp

__all__ = ["bp"]
