"""The framework's ceiling for the load check: a Flask app with one trivial endpoint, served by the
same gunicorn configuration as orgbuild (``gunicorn -c gunicorn.conf.py --pythonpath benchmarks trivial_app:app``)."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def index() -> str:
    """Answer without touching any database or template."""
    return "ok"
