"""gunicorn settings for orgbuild (``make serve`` or ``gunicorn -c gunicorn.conf.py``), read from the
environment so that one file serves every host:

GUNICORN_BIND (127.0.0.1:8000), GUNICORN_WORKERS (2 x cores + 1, at most GUNICORN_MAX_WORKERS = 8),
GUNICORN_THREADS (1), GUNICORN_TIMEOUT (30 s), GUNICORN_LOGLEVEL (info), GUNICORN_ACCESSLOG (off: the
app itself logs one JSON line per request on stdout, see orgbuild/web/serving.py; "-" adds gunicorn's).
Serving under gunicorn means production: ORGBUILD_ENV defaults to "production" here, so a real
SECRET_KEY is required and no debug page is ever shown.
"""
import multiprocessing
import os

os.environ.setdefault("ORGBUILD_ENV", "production")


def default_workers(cores: int, cap: int) -> int:
    """2 x cores + 1 workers (the usual rule for sync workers), never more than `cap`."""
    return max(1, min(2 * cores + 1, cap))


wsgi_app = "orgbuild:create_app()"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
workers = int(os.environ.get("GUNICORN_WORKERS") or default_workers(
    multiprocessing.cpu_count(), int(os.environ.get("GUNICORN_MAX_WORKERS", "8"))
))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESSLOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
proc_name = "orgbuild"
# trust X-Forwarded-Proto only from the local reverse proxy (the app's ProxyFix handles the rest)
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"
# gunicorn >= 24's runtime control socket lives at one per-user path: off, so that several
# instances (hosts' containers, the load check) never contend for it
control_socket_disable = True
