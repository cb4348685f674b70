"""Configuration from the environment, with safe development defaults.

``ORGBUILD_ENV=production`` turns on the production checks: a real ``SECRET_KEY`` is required,
cookies are Secure, and debug pages are off.
"""
from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

DEFAULT_SECRET = "dev-only-not-secret"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete; the message says what to set."""


def _length_range(text: str) -> tuple[int, int]:
    """(6, 40) for "6-40", (11, 11) for "11"."""
    try:
        parts = [int(x) for x in text.split("-", 1)]
    except ValueError:
        raise ConfigError(f"ORGBUILD_PLATFORM_CODE_LENGTH must read MIN-MAX or N (e.g. 6-40), not {text!r}") from None
    return parts[0], parts[-1]


#: The steps whose record can carry evidence files (ORGBUILD_EVIDENCE_REQUIRED names some of them).
EVIDENCE_STEPS = ("record_visit", "establish", "onboard")


def _evidence_steps(text: str) -> frozenset[str]:
    """frozenset({"establish"}) for "establish"; an unknown step is a configuration error."""
    steps = frozenset(part.strip() for part in text.split(",") if part.strip())
    unknown = sorted(steps - set(EVIDENCE_STEPS))
    if unknown:
        raise ConfigError(f"ORGBUILD_EVIDENCE_REQUIRED names steps of {', '.join(EVIDENCE_STEPS)}, not {', '.join(unknown)}")
    return steps


ATTACHMENT_STORAGES = ("local", "s3")


def _attachment_storage(env) -> dict:
    """The evidence files' storage settings; "s3" needs a bucket (the keys may come from boto3's own
    sources: AWS_ACCESS_KEY_ID, ~/.aws, an instance role)."""
    kind = env.get("ORGBUILD_ATTACHMENT_STORAGE", "local").strip().lower() or "local"
    if kind not in ATTACHMENT_STORAGES:
        raise ConfigError(f"ORGBUILD_ATTACHMENT_STORAGE must be one of {', '.join(ATTACHMENT_STORAGES)}, not {kind!r}")
    settings = {
        "ATTACHMENT_STORAGE": kind,
        "S3_ENDPOINT_URL": env.get("ORGBUILD_S3_ENDPOINT_URL") or None,  # unset: AWS itself
        "S3_BUCKET": env.get("ORGBUILD_S3_BUCKET", ""),
        "S3_PREFIX": env.get("ORGBUILD_S3_PREFIX", "attachments/"),
        "S3_REGION": env.get("ORGBUILD_S3_REGION") or None,
        "S3_ACCESS_KEY_ID": env.get("ORGBUILD_S3_ACCESS_KEY_ID") or None,
        "S3_SECRET_ACCESS_KEY": env.get("ORGBUILD_S3_SECRET_ACCESS_KEY") or None,
    }
    if kind == "s3" and not settings["S3_BUCKET"]:
        raise ConfigError("ORGBUILD_ATTACHMENT_STORAGE=s3 needs ORGBUILD_S3_BUCKET (the bucket's name)")
    return settings


def from_environment(instance_path: str) -> dict:
    """Read the settings from environment variables."""
    env = os.environ
    production = env.get("ORGBUILD_ENV", "development") == "production"
    sqlite_default = "sqlite:///" + os.path.join(instance_path, "orgbuild.sqlite")
    return {
        "ENV_NAME": "production" if production else "development",
        "SECRET_KEY": env.get("SECRET_KEY", DEFAULT_SECRET),
        "SQLALCHEMY_DATABASE_URI": env.get("DATABASE_URL", sqlite_default),
        "REDIS_URL": env.get("REDIS_URL"),
        "TRUSTED_PROXIES": int(env.get("ORGBUILD_TRUSTED_PROXIES", "0")),  # reverse proxies in front
        # the districts init-db loads when none is named (comma-separated codes)
        "DISTRICTS": [c.strip() for c in env.get("ORGBUILD_DISTRICT", "luohu").split(",") if c.strip()] or ["luohu"],
        "ISSUER": env.get("ORGBUILD_ISSUER", ""),  # the issuing body on bulletins (default: the Luohu committee)
        "MAX_CONTENT_LENGTH": int(env.get("ORGBUILD_MAX_UPLOAD_MB", "50")) * 1024 * 1024,
        # evidence files (photos, PDF scans): the folder they are kept in, and the largest one accepted
        "ATTACHMENTS_DIR": env.get("ORGBUILD_ATTACHMENTS_DIR", os.path.join(instance_path, "attachments")),
        "ATTACHMENT_MAX_BYTES": int(env.get("ORGBUILD_ATTACHMENT_MAX_MB", "10")) * 1024 * 1024,
        # where their bytes are kept: "local" (ATTACHMENTS_DIR) or "s3" (an S3-compatible bucket; README)
        **_attachment_storage(env),
        # seconds a visit form (or a queued visit) waits for the server's answer on a bad signal before
        # it is kept in the phone's queue and sent again later (static/js/offline-queue.js)
        "OFFLINE_SEND_TIMEOUT": float(env.get("ORGBUILD_OFFLINE_SEND_TIMEOUT", "15")),
        # steps refused without an evidence file sent with them, e.g. "establish" (the 批复 document)
        "EVIDENCE_REQUIRED": _evidence_steps(env.get("ORGBUILD_EVIDENCE_REQUIRED", "")),
        "IMPORT_MAX_BYTES": int(env.get("ORGBUILD_IMPORT_MAX_MB", "512")) * 1024 * 1024,  # command-line imports
        # how much of an Excel workbook is unpacked and parsed, checked before parsing (imports/reader.py)
        "XLSX_MAX_UNPACKED": int(env.get("ORGBUILD_XLSX_MAX_UNPACKED_MB", "512")) * 1024 * 1024,
        "XLSX_MAX_SHARED_STRINGS_BYTES": int(env.get("ORGBUILD_XLSX_MAX_SHARED_STRINGS_MB", "64")) * 1024 * 1024,
        "XLSX_MAX_SHARED_STRINGS": int(env.get("ORGBUILD_XLSX_MAX_SHARED_STRINGS", "500000")),
        "XLSX_MAX_ROWS": int(env.get("ORGBUILD_XLSX_MAX_ROWS", "1048576")),
        "XLSX_MAX_COLUMNS": int(env.get("ORGBUILD_XLSX_MAX_COLUMNS", "16384")),
        # a survey file posted to the import page (streamed to disk, checked by a background job)
        # a list download longer than this many rows is written by a background job (jobs/exports.py)
        "EXPORT_SYNC_MAX_ROWS": int(env.get("ORGBUILD_EXPORT_SYNC_ROWS", "20000")),
        "IMPORT_UPLOAD_MAX_BYTES": int(env.get("ORGBUILD_IMPORT_UPLOAD_MB", "512")) * 1024 * 1024,
        "JOBS_QUEUE_NAME": env.get("ORGBUILD_JOBS_QUEUE", "orgbuild"),  # the huey queue (one per deployment)
        "JOBS_STALE_SECONDS": int(env.get("ORGBUILD_JOBS_STALE_SECONDS", "60")),  # a silent running job may be retried
        "BRANCH_THRESHOLDS": tuple(
            int(x) for x in env.get("ORGBUILD_BRANCH_THRESHOLDS", "3,30,100").split(",")
        ),
        # what a 智慧团建 organisation code may look like (its format is not public): "MIN-MAX" and a
        # regular-expression character class; tighten both once the district knows its codes
        "PLATFORM_CODE_LENGTH": _length_range(env.get("ORGBUILD_PLATFORM_CODE_LENGTH", "6-40")),
        "PLATFORM_CODE_CHARS": env.get("ORGBUILD_PLATFORM_CODE_CHARS", "0-9A-Za-z-"),
        # days without organisational life after which a founded branch is warned (DOMAIN.md: a quarter)
        "QUALITY_IDLE_DAYS": int(env.get("ORGBUILD_IDLE_DAYS", "90")),
        "QUALITY_GRADING_DAY": env.get("ORGBUILD_GRADING_DAY", "12-01"),  # MM-DD: 对标定级 round (cut-off 6 months before)
        "QUALITY_FIVE_STAR_CAP": int(env.get("ORGBUILD_FIVE_STAR_CAP", "20")),  # % of graded branches
        # a board card that has not moved for more days than this is flagged (board/service.py)
        "STALE_DAYS": int(env.get("ORGBUILD_STALE_DAYS", "30")),
        # requests per API token (else per signed-in account, else per address): views/api.py
        "API_RATE_LIMIT": env.get("ORGBUILD_API_RATE_LIMIT", "120 per minute"),
        # the daily digest by e-mail (reminders/service.py): smtp://user:password@host:port
        "SMTP_URL": env.get("SMTP_URL"),
        "MAIL_FROM": env.get("ORGBUILD_MAIL_FROM", "orgbuild@localhost"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "CAMPAIGN_START": date.fromisoformat(env.get("ORGBUILD_CAMPAIGN_START", "2000-01-01")),  # no step dated earlier
        "REMEMBER_COOKIE_DURATION": timedelta(days=int(env.get("ORGBUILD_REMEMBER_DAYS", "14"))),
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        # one JSON line per request on stdout (on by default in production)
        "REQUEST_LOG": env.get("ORGBUILD_REQUEST_LOG", "1" if production else "0").lower() in ("1", "true", "yes", "on"),
        "BOOTSTRAP_SERVE_LOCAL": True,
        "BABEL_DEFAULT_LOCALE": "zh_CN",
        "BABEL_DEFAULT_TIMEZONE": env.get("ORGBUILD_TIMEZONE", "Asia/Shanghai"),
        "LANGUAGES": ["zh_CN", "en"],
        "CLI_LANGUAGE": cli_language(env.get("ORGBUILD_LANG")),  # what the command line speaks (clitext.py)
        "PER_PAGE": 50,
        # a pooled connection idle for longer than this is pinged before use (web/setup.py); one
        # used more recently is not, so that a busy worker's requests cost no extra round trip
        "DB_PING_IDLE_SECONDS": float(env.get("ORGBUILD_DB_PING_IDLE_SECONDS", "5")),
        **({"DEBUG": False} if production else {}),
    }


def cli_language(value: str | None) -> str:
    """The command line's language for an ``ORGBUILD_LANG`` value: ``en``, ``en_US.UTF-8``, ``EN`` …
    are English; anything else (unset, ``zh``, ``zh_CN.UTF-8``, unknown) is Chinese.

    >>> cli_language(None), cli_language("en_US.UTF-8"), cli_language("EN"), cli_language("zh-CN"), cli_language("fr")
    ('zh_CN', 'en', 'en', 'zh_CN', 'zh_CN')
    """
    return "en" if (value or "").strip().lower()[:2] == "en" else "zh_CN"


def check_production(config: dict) -> None:
    """Refuse to start a production app with a missing or default secret, or in debug mode."""
    if config.get("ENV_NAME") != "production":
        return
    secret = config.get("SECRET_KEY") or ""
    if secret in ("", DEFAULT_SECRET) or len(secret) < 16:
        raise ConfigError(
            "SECRET_KEY is missing, the development default, or shorter than 16 characters; "
            "set a long random SECRET_KEY in the environment for production."
        )
    if config.get("DEBUG"):
        raise ConfigError("Debug mode is on; production never serves debug pages (unset FLASK_DEBUG).")
