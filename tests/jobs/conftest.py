"""Fixtures of the job tests: a signed-in supervisor and a survey CSV to upload."""
from __future__ import annotations

import csv
import io

import pytest

from tests.conftest import login
from tests.imports.conftest import HEADER, row, write_csv  # noqa: F401 (fixture)

__all__ = ["HEADER", "row", "csv_bytes"]


def csv_bytes(rows, header=HEADER) -> bytes:
    """A UTF-8 CSV file's bytes."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([header, *rows])
    return buffer.getvalue().encode("utf-8")


@pytest.fixture
def supervisor(client, make_user):
    """A signed-in district supervisor."""
    make_user("sup", role="supervisor")
    login(client, "sup")
    return client
