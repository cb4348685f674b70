"""orgbuild: carry "two new" organisations from survey to a league branch on 智慧团建.

``create_app`` is a thin factory: configuration, extensions, blueprints, CLI, error handlers.
"""
from __future__ import annotations

import os
from typing import Any, Mapping

from flask import Flask

from . import cli, views
from .config import PROJECT_ROOT, check_production, from_environment
from .jobs import queue as jobs_queue
from .web import serving
from .web import setup as web_setup


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application; ``config`` overrides the settings read from the environment."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("ORGBUILD_INSTANCE", str(PROJECT_ROOT / "instance")),
        template_folder=str(PROJECT_ROOT / "templates"),
    )
    app.config.update(from_environment(app.instance_path))
    if config:
        app.config.update(config)
    check_production(app.config)
    os.makedirs(app.instance_path, exist_ok=True)

    web_setup.init_app(app)
    views.register(app)
    cli.init_app(app)
    jobs_queue.init_app(app)
    serving.init_app(app)
    return app

