"""A flood of refused requests cannot flood the log: a few lines a minute per status, then a
count without personal data."""

import logging
from collections.abc import Iterator

import pytest
from django.test import Client

from hotline.lib.logging import RefusedRequestsFilter


def installed_filter() -> RefusedRequestsFilter:
    (found,) = [
        f
        for f in logging.getLogger("django.request").filters
        if isinstance(f, RefusedRequestsFilter)
    ]
    return found


@pytest.fixture
def clock() -> Iterator[list[float]]:
    """The installed filter on a clock of the test's, fresh; restored afterwards."""
    now = [0.0]
    refused = installed_filter()
    real = refused.clock
    refused.clock, refused.minute = (lambda: now[0]), -1
    refused.seen.clear()
    yield now
    refused.clock, refused.minute = real, -1
    refused.seen.clear()


@pytest.mark.django_db
def test_a_minute_of_unauthorized_api_requests_writes_a_bounded_log(caplog, clock) -> None:
    client = Client()
    with caplog.at_level(logging.WARNING):
        for _ in range(100):
            assert client.get("/api/contacts/").status_code == 401
        clock[0] = 61.0  # the next minute
        assert (
            client.get("/api/contacts/", headers={"Authorization": "Bearer nope"}).status_code
            == 401
        )
    lines = [r for r in caplog.records if r.name == "django.request"]
    assert len(lines) == RefusedRequestsFilter.PER_MINUTE + 1
    (count,) = [r.getMessage() for r in caplog.records if r.name == "hotline.refused_requests"]
    assert count == "90 more refused requests were not logged in the last minute (401: 90)"
    assert "nope" not in caplog.text


def test_server_errors_are_always_logged() -> None:
    refused = RefusedRequestsFilter(clock=lambda: 0.0)
    records = [
        logging.makeLogRecord({"name": "django.request", "status_code": 500}) for _ in range(50)
    ]
    assert all(refused.filter(record) for record in records)
