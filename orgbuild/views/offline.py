"""The offline side of the field pages (a progressive web app): the web app manifest, the service
worker, the page shown when a page is not cached, and the session check the offline queue makes
before it sends what it holds (static/js/offline.js; the visits themselves go to ``orgs.sync_visit``).

The service worker is served from the root so that its scope covers /followups and /orgs/…; it is a
template only for the URLs it precaches and the version that names its caches.
"""
from __future__ import annotations

import hashlib
import json
import re

from flask import Blueprint, current_app, jsonify, make_response, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ..extensions import bootstrap

bp = Blueprint("offline", __name__)

#: Static files every cached page needs (besides Bootstrap's, added in ``precache_urls``).
STATIC_FILES = ("css/orgbuild.css", "js/offline-queue.js", "js/offline.js", "js/communities.js", "js/copy.js",
                "icons/icon-192.png", "icons/icon-512.png")


def precache_urls() -> list[str]:
    """What the service worker stores when it is installed: the offline page and the static files."""
    urls = [url_for("offline.page")]
    urls += [url_for("static", filename=name) for name in STATIC_FILES]
    # Bootstrap's files, as Bootstrap-Flask links them from base.html (served locally)
    urls += re.findall(r'(?:href|src)="(/[^"]+)"', str(bootstrap.load_css()) + str(bootstrap.load_js()))
    return urls


def _worker_version(urls: list[str]) -> str:
    """Changes whenever the worker's script or what it precaches changes (so caches are renewed)."""
    digest = hashlib.sha256(json.dumps(urls).encode())
    source, _filename, _uptodate = current_app.jinja_loader.get_source(current_app.jinja_env, "offline/sw.js")
    digest.update(source.encode())
    return digest.hexdigest()[:12]


@bp.get("/sw.js")
def service_worker():
    """The service worker (root scope): caches the field pages, answers from the cache when offline."""
    urls = precache_urls()
    body = render_template("offline/sw.js", precache=urls, version=_worker_version(urls),
                           offline_url=url_for("offline.page"),
                           queue_url=url_for("static", filename="js/offline-queue.js"),
                           session_url=url_for("offline.session_check"),
                           timeout_ms=int(current_app.config["OFFLINE_SEND_TIMEOUT"] * 1000))
    response = make_response(body)
    response.headers["Content-Type"] = "text/javascript; charset=utf-8"
    response.headers["Cache-Control"] = "no-cache"  # the browser checks for a new worker on every visit
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    """The web app manifest: an officer can add the follow-up list to the phone's home screen."""
    body = {
        "name": _("两新组织建团"),
        "short_name": _("建团走访"),
        "start_url": url_for("main.followups"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#dc3545",
        "lang": "zh-CN",
        "icons": [
            {"src": url_for("static", filename="icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": url_for("static", filename="icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
        ],
    }
    response = make_response(json.dumps(body, ensure_ascii=False))
    response.headers["Content-Type"] = "application/manifest+json; charset=utf-8"
    return response


@bp.get("/offline")
def page():
    """Shown by the service worker for a page that is not cached while there is no connection."""
    return render_template("offline/offline.html")


@bp.get("/offline/session")
def session_check():
    """Who is signed in, with a fresh CSRF token for the queued forms; 401 when the session has ended
    (the queue then waits for the officer to sign in again)."""
    if not current_user.is_authenticated:
        return jsonify({"user": None, "message": _("登录已过期：请重新登录，待同步的走访随后自动发送")}), 401
    return jsonify({"user": current_user.username, "csrf_token": generate_csrf()})
