"""The baseline for bench/http.py: the smallest Flask application, served by the same gunicorn
settings as Jazyl (``gunicorn -c gunicorn.conf.py bench.hello_app:app``)."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
