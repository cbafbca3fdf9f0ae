"""Only a person's action resets the idle clock: the queue's refresh script (a background
request) neither keeps a session alive nor, once the session has ended, gets a sign-in page to
paste into the queue."""

import time
from types import SimpleNamespace
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

import hotline.accounts.middleware
from conftest import make_user, signed_in_client
from hotline.accounts.access import BACKGROUND_HEADER
from hotline.accounts.models import Role
from hotline.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
QUEUE = reverse("contacts:queue")
ROWS = reverse("contacts:queue_rows")
REFRESH_SECONDS = 20


class Clock:
    """The middleware's clock, moved by the test instead of waited for."""

    def __init__(self) -> None:
        self.now = time.time()

    def advance(self, seconds: int) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(hotline.accounts.middleware, "time", SimpleNamespace(time=lambda: fake.now))
    return fake


def refresh(client: Client) -> Any:
    """What queue.js sends."""
    return client.get(ROWS, headers={BACKGROUND_HEADER: "1"})


def signed_in(client: Client) -> bool:
    return SESSION_KEY in client.session


def test_background_refreshes_alone_do_not_keep_a_session_alive(clock: Clock) -> None:
    client = signed_in_client(make_user(Role.SPECIALIST))
    assert client.get(QUEUE).status_code == 200  # the person opens the queue and leaves it
    started = client.session["last_seen_at"]
    idle = settings.SESSION_IDLE_SECONDS
    for _ in range(idle // REFRESH_SECONDS):
        clock.advance(REFRESH_SECONDS)
        response = refresh(client)
        assert response.status_code == 200 and b"<tr" in response.content
        assert client.session["last_seen_at"] == started  # the idle clock was not reset
    clock.advance(REFRESH_SECONDS)  # now more than 30 minutes after the person's last request
    response = refresh(client)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert response.json()["location"] == reverse("accounts:login")
    assert not signed_in(client)
    assert AuditEvent.objects.filter(action="auth.logout").get().detail == {"reason": "expired"}
    assert client.get(QUEUE).status_code == 302  # a person's next request must sign in again


def test_a_persons_request_within_the_window_keeps_the_session_alive(clock: Clock) -> None:
    client = signed_in_client(make_user(Role.SPECIALIST))
    client.get(QUEUE)
    clock.advance(29 * 60)
    assert refresh(client).status_code == 200
    assert client.get(QUEUE).status_code == 200  # the person comes back: the clock restarts
    seen = client.session["last_seen_at"]
    assert seen == int(clock.now)
    for _ in range(settings.SESSION_IDLE_SECONDS // REFRESH_SECONDS):
        clock.advance(REFRESH_SECONDS)
        assert refresh(client).status_code == 200
    assert signed_in(client) and client.session["last_seen_at"] == seen
    clock.advance(REFRESH_SECONDS)
    assert refresh(client).status_code == 401
    assert not signed_in(client)


def test_a_background_refresh_of_a_session_idle_31_minutes_is_refused_and_ends_it() -> None:
    client = signed_in_client(make_user(Role.SPECIALIST))
    client.get(QUEUE)
    session = client.session
    session["last_seen_at"] = int(time.time()) - 31 * 60
    session.save()
    response = refresh(client)
    assert response.status_code == 401 and response.json()["location"] == reverse("accounts:login")
    assert not signed_in(client)
    assert AuditEvent.objects.filter(action="auth.logout").count() == 1


def test_the_rows_view_is_background_even_without_the_header(clock: Clock) -> None:
    client = signed_in_client(make_user(Role.SPECIALIST))
    client.get(QUEUE)
    started = client.session["last_seen_at"]
    clock.advance(10 * 60)
    assert client.get(ROWS).status_code == 200
    assert client.session["last_seen_at"] == started


def test_the_refresh_script_marks_its_requests_and_follows_a_refusal_to_sign_in() -> None:
    script = (settings.BASE_DIR / "hotline/contacts/static/contacts/queue.js").read_text()
    assert f'"{BACKGROUND_HEADER}": "1"' in script
    assert "response.status === 401" in script and "window.location.assign" in script
