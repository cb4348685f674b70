"""The huey queue of an app and the ``flask --app orgbuild worker`` command.

Storage: huey's SQLite file ``instance/jobs.sqlite`` by default (no server to run; ``make run`` starts
one worker beside the web server), Redis when ``REDIS_URL`` is set (workers on other hosts then need
the same database and a shared instance folder, where uploads and plans are kept). ``JOBS_IMMEDIATE``
(the default under TESTING) runs each job inside the call that enqueues it, with in-memory storage.
"""
from __future__ import annotations

import os

import click
from flask import Flask, current_app
from huey import MemoryHuey, RedisHuey, SqliteHuey
from huey.api import Huey
from huey.consumer import Consumer

from .. import clitext
from ..domain.rules import Message

QUEUE_NAME = "orgbuild"


def make_huey(app: Flask) -> Huey:
    """The queue the app's settings ask for."""
    name = app.config.get("JOBS_QUEUE_NAME") or QUEUE_NAME
    if app.config.get("JOBS_IMMEDIATE", app.testing):
        return MemoryHuey(name, immediate=True)
    if app.config.get("REDIS_URL"):
        return RedisHuey(name, url=app.config["REDIS_URL"])
    os.makedirs(app.instance_path, exist_ok=True)
    return SqliteHuey(name, filename=os.path.join(app.instance_path, "jobs.sqlite"))


def init_app(app: Flask) -> None:
    """Build the app's queue, register the job task on it and add the worker command."""
    from . import service

    huey = make_huey(app)

    @huey.task(name="orgbuild.run_job")
    def run_job(job_id: int) -> None:
        """Run one job of the jobs table in its own app context."""
        with app.app_context():
            service.run(job_id)

    app.extensions["orgbuild_jobs"] = {"huey": huey, "run_job": run_job}
    app.cli.add_command(worker_command)


def queue() -> Huey:
    """The current app's queue."""
    return current_app.extensions["orgbuild_jobs"]["huey"]


def enqueue(job_id: int) -> None:
    """Put a job on the queue (run at once in immediate mode)."""
    current_app.extensions["orgbuild_jobs"]["run_job"](job_id)


@click.command("worker")
@click.option("--workers", default=1, show_default=True, help="Jobs run at the same time.")
def worker_command(workers: int) -> None:
    """Run the background jobs (survey import preview and apply) until stopped."""
    huey = queue()
    if huey.immediate:
        raise clitext.refusal(Message("已设置 JOBS_IMMEDIATE：任务在网页请求中直接运行，无需后台进程。"))
    Consumer(huey, workers=workers, worker_type="thread").run()
