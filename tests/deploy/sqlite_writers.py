"""Writers for the SQLite concurrency test: each signs in and records organisations through the web
app, like one gunicorn worker would (a module of its own so that spawned processes can import it)."""
from __future__ import annotations

from orgbuild import create_app
from tests.conftest import credit_code, login


def write_through_app(app, worker: int, count: int, street_id: int) -> list[int]:
    """Sign in as "admin" and create `count` organisations, reading the list in between; the statuses."""
    client = app.test_client()
    login(client, "admin")
    statuses = []
    for i in range(count):
        n = 100_000 + worker * 1_000 + i
        response = client.post(
            "/orgs/new",
            data={"name": f"并发写入{worker}-{i}有限公司", "credit_code": credit_code(n), "street_id": street_id,
                  "employees": 30, "league_members": 3, "youth_count": 10, "has_party_org": "y"},
        )
        statuses.append(response.status_code)
        statuses.append(client.get("/orgs/?q=并发").status_code)
    return statuses


def process_writer(args: tuple[str, dict, int, int, int]) -> list[int]:
    """Entry point of a writer process: its own app (and connection pool) on the shared file."""
    url, config, worker, count, street_id = args
    app = create_app({**config, "SQLALCHEMY_DATABASE_URI": url})
    return write_through_app(app, worker, count, street_id)
