import logging

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from conftest import make_user
from hotline.accounts.models import Role

CANARY = "Canary-7f3c9e-Maria-Lopez-555-0142"


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    for name in ["django", "django.request", "django.security", "django.db.backends", "hotline"]:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        parts.append(repr(record.__dict__))
    return "\n".join(parts) + caplog.text


@pytest.mark.django_db
def test_a_canary_typed_into_forms_appears_in_no_log(all_logs, client_for, personas) -> None:
    make_user(Role.SPECIALIST, "someone")
    anonymous = Client()
    anonymous.post(reverse("accounts:login"), {"username": CANARY, "password": CANARY})
    anonymous.post(reverse("accounts:login"), {"username": "someone", "password": CANARY})
    anonymous.post("/no-such-page/", {"narrative": CANARY})
    Client(enforce_csrf_checks=True).post(reverse("accounts:login"), {"username": CANARY})
    admin = client_for("administrator")
    admin.post(
        reverse("accounts:staff_new"),
        {
            "username": "bad name!",
            "first_name": CANARY,
            "email": "not-an-email " + CANARY,
            "role": "x",
        },
    )
    admin.post(
        reverse("accounts:change_password"), {"old_password": CANARY, "new_password1": CANARY}
    )
    admin.post(reverse("accounts:two_factor_verify"), {"token": CANARY})

    assert all_logs.records, "the test must capture something to be meaningful"
    assert CANARY not in everything_logged(all_logs)
    assert CANARY.lower() not in everything_logged(all_logs).lower()


@pytest.mark.django_db
def test_a_canary_is_in_no_audit_event_or_cache_row(client_for) -> None:
    Client().post(reverse("accounts:login"), {"username": CANARY, "password": CANARY})
    client_for("administrator").post(
        reverse("accounts:staff_new"),
        {"username": "ok-name", "first_name": CANARY, "role": "specialist"},
    )
    with connection.cursor() as cursor:
        for table in ["audit_auditevent", "hotline_cache"]:
            cursor.execute(f"SELECT * FROM {table}")
            assert CANARY not in str(cursor.fetchall()), table
