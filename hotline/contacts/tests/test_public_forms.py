"""The public tip and help forms: anonymous, no IP stored, honeypot, rate limit, idempotent."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from hotline.audit.models import AuditEvent
from hotline.contacts.actions import receive
from hotline.contacts.models import Contact, RequestType, Status, Urgency
from hotline.contacts.tests.conftest import eastern
from hotline.contacts.views import public_form_limiter

pytestmark = pytest.mark.django_db
ADDRESS = "203.0.113.77"
NARRATIVE = "Workers locked in at the nail salon on Elm Street (fictional)"


def form_token(client: Client, name: str = "contacts:tip") -> str:
    page = client.get(reverse(name)).content.decode()
    found = re.search(r'name="form_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def send_tip(client: Client, token: str | None = None, **extra: str):
    data = {
        "form_token": token or form_token(client),
        "narrative": NARRATIVE,
        "postal_code": "60601",
        **extra,
    }
    return client.post(reverse("contacts:tip"), data, REMOTE_ADDR=ADDRESS)


def test_anonymous_tip_is_in_the_queue_at_once_with_its_deadline(client_for) -> None:
    response = send_tip(Client())
    assert response.status_code == 200
    contact = Contact.objects.get()
    assert contact.channel == "webform"
    assert contact.request_types == [RequestType.TIP]
    assert contact.urgency == Urgency.URGENT
    assert str(contact.sla_policy) == "Urgent"
    # The 24/7 calendar: due 24 hours after it arrived, night or weekend alike.
    assert contact.resolution_due == contact.received_at + dt.timedelta(hours=24)
    assert contact.created_by is None
    assert AuditEvent.objects.filter(action="contact.create", object_id=str(contact.pk)).exists()

    queue = client_for("specialist").get(reverse("contacts:queue")).content.decode()
    assert contact.reference in queue


def test_tip_at_3am_on_a_sunday_is_due_within_24_hours_not_on_monday() -> None:
    sunday_3am = eastern(2026, 3, 15, 3, 0)
    contact = receive(
        Contact(
            channel="webform",
            received_at=sunday_3am,
            request_types=[RequestType.TIP],
            urgency=Urgency.URGENT,
        )
    )
    assert contact.status == Status.NEW
    assert contact.resolution_due == eastern(2026, 3, 16, 3, 0)
    assert contact.first_response_due == sunday_3am + dt.timedelta(minutes=15)


def test_confirmation_shows_the_reference_and_numbers_and_nothing_else() -> None:
    page = send_tip(Client()).content.decode()
    contact = Contact.objects.get()
    assert re.fullmatch(r"HT-\d{4}-\d{6}", contact.reference)
    assert contact.reference in page
    assert "1-888-3737-888" in page
    assert "nail salon" not in page
    assert "60601" not in page


def test_no_ip_address_is_stored_anywhere() -> None:
    send_tip(Client())
    assert Contact.objects.count() == 1
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            for row in cursor.fetchall():
                assert ADDRESS not in repr(row), table


def test_double_submit_with_the_same_token_gives_one_contact_and_the_same_reference() -> None:
    client = Client()
    token = form_token(client)
    first = send_tip(client, token).content.decode()
    second = send_tip(client, token).content.decode()
    contact = Contact.objects.get()
    assert contact.reference in first and contact.reference in second


def test_honeypot_stores_nothing_but_looks_like_success() -> None:
    response = send_tip(Client(), website="http://spam.example")
    assert response.status_code == 200
    assert not Contact.objects.exists()


def test_forged_token_is_refused_and_stores_nothing() -> None:
    response = send_tip(Client(), token="forged")
    assert response.status_code == 400
    assert not Contact.objects.exists()


def test_rate_limit_per_address_in_memory() -> None:
    client = Client()
    for _ in range(public_form_limiter.limit):
        assert send_tip(client).status_code == 200
    blocked = send_tip(client)
    assert blocked.status_code == 429
    assert Contact.objects.count() == public_form_limiter.limit
    # Another address is not held back.
    other = client.post(
        reverse("contacts:tip"),
        {"form_token": form_token(client), "narrative": NARRATIVE},
        REMOTE_ADDR="198.51.100.9",
    )
    assert other.status_code == 200


def test_limiter_forgets_after_its_window() -> None:
    public_form_limiter.clear()
    for _ in range(public_form_limiter.limit):
        assert public_form_limiter.allow("x", now=0.0)
    assert not public_form_limiter.allow("x", now=1.0)
    assert public_form_limiter.allow("x", now=public_form_limiter.seconds + 1.0)


def test_help_request_after_hours_is_a_message_taken_due_within_the_following_week() -> None:
    friday_night = eastern(2026, 3, 6, 22, 30)
    contact = receive(
        Contact(
            channel="webform",
            received_at=friday_night,
            request_types=[RequestType.TTA],
            urgency=Urgency.NON_URGENT,
        )
    )
    assert contact.status == Status.MESSAGE_TAKEN
    assert contact.acknowledged_at is not None
    assert contact.first_response_at is not None  # the automatic acknowledgement
    assert str(contact.sla_policy) == "Non-urgent, received after hours"
    assert contact.resolution_due == eastern(2026, 3, 13, 21, 0)


def test_help_request_in_business_hours_is_not_a_message_taken() -> None:
    tuesday_noon = eastern(2026, 3, 10, 12, 0)
    contact = receive(
        Contact(channel="webform", received_at=tuesday_noon, request_types=["referral"])
    )
    assert contact.status == Status.NEW
    assert contact.first_response_due == eastern(2026, 3, 10, 13, 0)
    assert contact.resolution_due == eastern(2026, 3, 12, 12, 0)


def test_help_form_posts_a_contact() -> None:
    client = Client()
    response = client.post(
        reverse("contacts:help"),
        {
            "form_token": form_token(client, "contacts:help"),
            "kind": "tta",
            "narrative": "We would like a training for our clinic staff.",
            "caller_email": "clinic@example.org",
        },
    )
    assert response.status_code == 200
    contact = Contact.objects.get()
    assert contact.request_types == ["tta"]
    assert contact.reference in response.content.decode()
