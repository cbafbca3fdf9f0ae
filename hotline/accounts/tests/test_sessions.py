import time

import pytest
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD, make_user, signed_in_client
from hotline.accounts.models import Role
from hotline.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
CONSOLE = reverse("site:console")


def age_session(client: Client, **seconds_ago: int) -> None:
    session = client.session
    now = int(time.time())
    for key, ago in seconds_ago.items():
        session[key] = now - ago
    session.save()


def test_session_ends_after_30_idle_minutes() -> None:
    client = signed_in_client(make_user(Role.SPECIALIST))
    assert client.get(CONSOLE).status_code == 200
    age_session(client, last_seen_at=29 * 60)
    assert client.get(CONSOLE).status_code == 200
    age_session(client, last_seen_at=31 * 60)
    response = client.get(CONSOLE)
    assert response.status_code == 302 and response["Location"].startswith(
        reverse("accounts:login")
    )
    assert client.get(CONSOLE).status_code == 302
    event = AuditEvent.objects.filter(action="auth.logout").get()
    assert event.detail == {"reason": "expired"}


def test_activity_keeps_a_session_alive_but_not_beyond_12_hours() -> None:
    client = signed_in_client(make_user(Role.SPECIALIST))
    age_session(client, signed_in_at=11 * 3600, last_seen_at=60)
    assert client.get(CONSOLE).status_code == 200
    age_session(client, signed_in_at=12 * 3600 + 1, last_seen_at=60)
    assert client.get(CONSOLE).status_code == 302


def test_password_change_ends_the_users_other_sessions() -> None:
    user = make_user(Role.SUPERVISOR)
    here, elsewhere = signed_in_client(user), signed_in_client(user)
    other_user = signed_in_client(make_user(Role.SPECIALIST))
    new_password = "another long passphrase 7"
    response = here.post(
        reverse("accounts:change_password"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    assert here.get(CONSOLE).status_code == 200
    assert elsewhere.get(CONSOLE).status_code == 302
    assert other_user.get(CONSOLE).status_code == 200
    assert AuditEvent.objects.filter(action="auth.password_change", object_id=str(user.pk)).exists()


def test_session_cookie_ends_with_the_browser(settings) -> None:
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert settings.SESSION_COOKIE_AGE == 12 * 3600
