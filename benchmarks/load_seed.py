"""Seed a load-check database (run by load.py in a subprocess, with DATABASE_URL set): the schema by
migrations, the district's streets, the demo district scaled to N organisations, and a supervisor
account to sign in with. Prints one JSON line: {"generator", "orgs", "org_id", "seconds"}.

    python benchmarks/load_seed.py N_ORGS USERNAME PASSWORD
"""
from __future__ import annotations

import json
import sys
import time

from flask_migrate import upgrade
from sqlalchemy import func, select

from orgbuild import create_app
from orgbuild.accounts import service as accounts
from orgbuild.districts.reference import load_reference
from orgbuild.extensions import db
from orgbuild.models import Organization, User


def seed(n_orgs: int, username: str, password: str) -> dict:
    """Create the schema and data; return what was made."""
    from orgbuild.demo.service import generate_district  # the demo helper's generator (ImportError: not merged yet)

    started = time.perf_counter()
    upgrade()
    load_reference()
    generate_district(n_orgs=n_orgs, visits_per_org=3)
    if db.session.scalar(select(func.count(User.id)).where(User.username == username)) == 0:
        accounts.create_user(username, password, "supervisor", display_name="load check", check_policy=False)
    count = db.session.scalar(select(func.count(Organization.id)))
    middle = db.session.scalar(select(Organization.id).order_by(Organization.id).offset(count // 2).limit(1))
    return {"generator": "orgbuild.demo.service.generate_district", "orgs": count, "org_id": middle,
            "seconds": round(time.perf_counter() - started, 1)}


def main(argv: list[str]) -> int:
    """Seed the database named by DATABASE_URL and print the summary line."""
    n_orgs, username, password = int(argv[0]), argv[1], argv[2]
    app = create_app()
    with app.app_context():
        print(json.dumps(seed(n_orgs, username, password)))
        db.session.remove()
        db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
