"""Entry point for gunicorn (``gunicorn wsgi:app``) and ``flask --app wsgi``."""

from dotenv import load_dotenv

load_dotenv()

from app import create_app  # noqa: E402

app = create_app()
