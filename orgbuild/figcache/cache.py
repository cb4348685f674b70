"""Values cached under the data version, and ETag/304 for JSON answers.

The cache is Flask-Caching: a ``FileSystemCache`` in the instance folder by default (no server
needed, shared by the gunicorn workers of one host, so that one worker's computation serves all),
Redis when ``REDIS_URL`` is set (shared by every host), an in-process ``SimpleCache`` under TESTING. A key holds the data version read *before*
the value is computed (see ``version``), so a write committed anywhere makes every older entry
unreachable: nothing is ever invalidated by hand and no entry can be stale. Entries also expire after
``CACHE_DEFAULT_TIMEOUT`` seconds, which only bounds memory.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import threading
from collections import OrderedDict
from typing import Any, Callable, Iterator

from flask import Flask, Response, request, session
from flask_babel import get_locale
from flask_login import current_user

from ..campaign.actions import local_today

from ..extensions import cache
from . import version


def init_app(app: Flask) -> None:
    """Bind the cache (Redis when REDIS_URL, else files in the instance folder) and the ETag hook."""
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        app.config.setdefault("CACHE_TYPE", "RedisCache")
        app.config.setdefault("CACHE_REDIS_URL", redis_url)
    elif app.config.get("TESTING"):
        app.config.setdefault("CACHE_TYPE", "SimpleCache")
    else:
        app.config.setdefault("CACHE_TYPE", "FileSystemCache")
        app.config.setdefault("CACHE_DIR", os.path.join(app.instance_path, "figcache"))
    app.config.setdefault("CACHE_DEFAULT_TIMEOUT", 600)
    app.config.setdefault("CACHE_THRESHOLD", 2000)
    app.config.setdefault("CACHE_KEY_PREFIX", "orgbuild:")
    cache.init_app(app)
    app.after_request(conditional_json)


#: how long a Redis lock of a computation lasts at most (a holder that died frees it then)
LOCK_SECONDS = 120
#: the most recently used entries of this process, in front of the shared cache (keys hold the version,
#: so an entry here is never stale either; this only saves reading and unpickling a file per request)
LOCAL_ENTRIES = 32
_local: OrderedDict[tuple, Any] = OrderedDict()
_local_lock = threading.Lock()


def _local_get(key: tuple) -> Any:
    with _local_lock:
        value = _local.get(key)
        if value is not None:
            _local.move_to_end(key)
        return value


def _local_put(key: tuple, value: Any) -> None:
    with _local_lock:
        _local[key] = value
        _local.move_to_end(key)
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)


def clear_local() -> None:
    """Forget this process's entries (tests clearing the shared cache call it too)."""
    with _local_lock:
        _local.clear()


def key_of(kind: str, data_version: int, parts: tuple) -> str:
    """The cache key of a value of `kind` computed from `parts` at `data_version`."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    return f"{kind}:{data_version}:{digest}"


def cached(kind: str, parts: tuple, compute: Callable[[], Any]) -> Any:
    """The value of `compute()` for `parts` at the current data version, computed once per version.

    `parts` must name everything the value depends on besides the data (scope, year, dates,
    language); without a version row (an older schema) nothing is cached."""
    data_version = version.current()
    if data_version is None:
        return compute()
    key = key_of(kind, data_version, parts)
    local_key = (id(cache.cache), key)  # the app's store: tests build many apps in one process
    value = _local_get(local_key)
    if value is not None:
        return value
    value = cache.get(key)
    if value is None:
        value = single_flight(key, compute)
    _local_put(local_key, value)
    return value


def single_flight(key: str, compute: Callable[[], Any]) -> Any:
    """Compute a missing entry once however many readers ask at the same time: one holds the key's
    lock and computes, the others wait for the lock and then read what it stored.

    The lock is an exclusive ``flock`` on a file beside the cached files (released by the system
    when its holder dies, so a killed worker never blocks the others), a Redis lock (with a timeout)
    when the cache is Redis, else a lock of this process."""
    with _key_lock(key):
        value = cache.get(key)  # computed by the holder we waited for
        if value is None:
            value = compute()
            cache.set(key, value)
    return value


_process_locks: dict[str, threading.Lock] = {}


@contextlib.contextmanager
def _key_lock(key: str) -> Iterator[None]:
    """Hold the lock of one cache key (see ``single_flight``)."""
    backend = cache.cache
    name = hashlib.sha256(key.encode()).hexdigest()[:40]
    folder = getattr(backend, "_path", None)
    client = getattr(backend, "_write_client", None)
    if folder:  # FileSystemCache: the gunicorn workers of this host
        os.makedirs(os.path.join(folder, "locks"), exist_ok=True)
        with open(os.path.join(folder, "locks", name), "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
    elif client is not None:  # Redis: every host
        lock = client.lock(f"orgbuild:flight:{name}", timeout=LOCK_SECONDS, blocking_timeout=LOCK_SECONDS)
        held = lock.acquire()  # False after LOCK_SECONDS of waiting: compute without it
        try:
            yield
        finally:
            if held:
                with contextlib.suppress(Exception):  # expired meanwhile: nothing to release
                    lock.release()
    else:
        with _local_lock:
            lock = _process_locks.setdefault(name, threading.Lock())
        with lock:
            yield


def page_parts() -> tuple | None:
    """What a signed-in page depends on besides the data: the user (and their session's CSRF token,
    which the page embeds), the language, today and the full URL; None when the page must be
    rendered afresh (a flash message waiting to be shown, no signed-in user)."""
    if not current_user.is_authenticated or session.get("_flashes"):
        return None
    return (current_user.id, current_user.role, session.get("csrf_token"), str(get_locale()), local_today(),
            request.full_path)


def cached_page(kind: str, render: Callable[[], str]) -> str | bytes:
    """The HTML of `render()` cached under the data version and ``page_parts`` (kept encoded, as the
    response sends it)."""
    parts = page_parts()
    if parts is None:
        return render()
    return cached(kind, parts, lambda: render().encode("utf-8"))


def conditional_json(response: Response) -> Response:
    """An ETag on every successful JSON answer to a GET, and 304 Not Modified when the client
    already holds it (If-None-Match): whatever blueprint serves the API."""
    if (request.method in ("GET", "HEAD") and response.status_code == 200 and response.is_json
            and not response.direct_passthrough):
        response.add_etag()
        response.make_conditional(request)
    return response
