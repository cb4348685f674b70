"""Unbound Flask extensions; ``create_app`` binds each with ``init_app``."""
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    """Declarative base shared by every model."""


db = SQLAlchemy(model_class=Base)


def commit_or_rollback() -> None:
    """Commit the session's one user action, or roll it back and re-raise (services call this)."""
    try:
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
bootstrap = Bootstrap5()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
cache = Cache()  # figcache/cache.py configures it (SimpleCache, or Redis when REDIS_URL)
