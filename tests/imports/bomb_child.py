"""Run in a child process by test_bomb_memory.py: upload each file through the web form as the
supervisor "bomber" and print what each page said (one JSON line per file). The parent measures the
child's peak memory (over all the files: each is bounded, so the peak of all is too)."""
from __future__ import annotations

import io
import json
import os
import re
import resource
import sys

GUARD = 2 << 30  # address space: a runaway child fails here instead of exhausting the machine


def main(database_url: str, paths: list[str]) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (GUARD, GUARD))
    from orgbuild import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False,
                      "SECRET_KEY": "bomb-test-secret-0123456789", "RATELIMIT_ENABLED": False})
    with app.app_context():
        client = app.test_client()
        client.post("/login", data={"username": "bomber", "password": "Secret123"})
        for path in paths:
            with open(path, "rb") as handle:
                data = handle.read()
            page = client.post("/imports/", data={"file": (io.BytesIO(data), "摸底" + os.path.splitext(path)[1]), "encoding": "auto"},
                               content_type="multipart/form-data", follow_redirects=True)
            del data
            text = page.get_data(as_text=True)
            found = re.search(r'href="(/imports/jobs/[0-9]+/preview)"', text)
            if found:
                page = client.get(found.group(1))
                text = page.get_data(as_text=True)
            print(json.dumps({"path": path, "status": page.status_code, "text": text}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
