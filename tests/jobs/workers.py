"""Start and stop a real job worker (``flask --app orgbuild worker``) for a test's app."""
from __future__ import annotations

import os
import signal
import subprocess
import sys


def start_worker(app) -> subprocess.Popen:
    """A worker process on the app's database and instance folder (so the same huey SQLite queue), and
    on the app's Redis queue when it has one."""
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "ORGBUILD_INSTANCE": app.instance_path}
    if app.config.get("REDIS_URL"):
        env.update(REDIS_URL=app.config["REDIS_URL"], ORGBUILD_JOBS_QUEUE=app.config["JOBS_QUEUE_NAME"])
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "orgbuild", "worker"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def stop_worker(worker: subprocess.Popen) -> None:
    """Stop a worker gracefully (SIGINT), killing it if it does not stop within 20 s."""
    if worker.poll() is not None:
        return
    worker.send_signal(signal.SIGINT)
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()
