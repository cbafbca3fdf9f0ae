"""Queue, claim, intake, the side panel (directory near the caller, library) and audit."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import default_service_hours
from hotline.accounts.models import User
from hotline.audit.models import AuditEvent
from hotline.contacts.actions import receive
from hotline.contacts.models import (
    Contact,
    Notification,
    Referral,
    SharedResource,
    Status,
    Urgency,
)
from hotline.contacts.tests.conftest import eastern
from hotline.directory.tests.hsds_data import uid

pytestmark = pytest.mark.django_db


def contact(**fields) -> Contact:
    fields.setdefault("channel", "phone")
    return receive(Contact(**fields))


def test_queue_lists_urgent_first_then_oldest(client_for) -> None:
    old_routine = contact(received_at=eastern(2026, 3, 2, 10))
    new_urgent = contact(received_at=eastern(2026, 3, 3, 10), urgency=Urgency.URGENT)
    old_urgent = contact(received_at=eastern(2026, 3, 2, 11), urgency=Urgency.URGENT)
    closed = contact(received_at=eastern(2026, 3, 1, 10), status=Status.CLOSED)
    page = client_for("specialist").get(reverse("contacts:queue")).content.decode()
    positions = [page.index(c.reference) for c in (old_urgent, new_urgent, old_routine)]
    assert positions == sorted(positions)
    assert closed.reference not in page


def test_queue_shows_the_nearest_open_deadline(client_for) -> None:
    item = contact(urgency=Urgency.URGENT)
    client = client_for("specialist")

    def due_shown() -> tuple[dt.datetime, bool]:
        row = client.get(reverse("contacts:queue_rows")).content.decode()
        # The received time comes first, then the deadline.
        due = re.findall(r'<time datetime="([^"]+)">', row)[1]
        return dt.datetime.fromisoformat(due), "sla-at-risk" in row

    # Unanswered, its first response (15 minutes) is next, and at risk; once claimed, the
    # resolution (24 hours) is next and, that far off, not at risk.
    assert due_shown() == (item.first_response_due, True)
    detail = client.get(reverse("contacts:detail", args=[item.pk])).content.decode()
    assert "sla-at-risk" in detail.split("First response due")[1].split("Resolution due")[0]
    client.post(reverse("contacts:claim", args=[item.pk]))
    assert due_shown() == (item.resolution_due, False)


def test_queue_queries_do_not_grow_with_rows(client_for, django_assert_num_queries) -> None:
    client = client_for("specialist")
    contact()
    client.get(reverse("contacts:queue_rows"))
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("contacts:queue_rows"))
    for _ in range(5):
        contact(urgency=Urgency.URGENT, assigned_to=User.objects.get(username="supervisor"))
    with django_assert_num_queries(len(first.captured_queries)):
        page = client.get(reverse("contacts:queue_rows"))
    assert page.content.decode().count("<tr") == 6


def test_claim_assigns_and_starts_work_with_an_audit_event(client_for, personas) -> None:
    item = contact()
    response = client_for("specialist").post(reverse("contacts:claim", args=[item.pk]))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.assigned_to == personas["specialist"]
    assert item.status == Status.IN_PROGRESS
    assert item.first_response_at is not None
    assert AuditEvent.objects.filter(action="contact.claim", object_id=str(item.pk)).exists()
    # Someone else's contact cannot be claimed by another specialist.
    other = client_for("program_staff").post(reverse("contacts:claim", args=[item.pk]))
    assert other.status_code == 403


def test_intake_form_records_a_call_assigned_to_the_specialist(client_for, personas) -> None:
    response = client_for("specialist").post(
        reverse("contacts:intake"),
        {
            "channel": "phone",
            "urgency": "non_urgent",
            "request_types": ["crisis", "referral"],
            "caller_type": "survivor",
            "substantive": "on",
            "language": "es",
            "interpreter_used": "on",
            "postal_code": "60601",
            "heard_from": "posted_sign",
            "safe_to_call": "yes",
            "safe_to_text": "no",
            "narrative": "Caller needs shelter tonight (fictional).",
            "status": "new",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    item = Contact.objects.get()
    assert item.urgency == Urgency.URGENT  # a crisis is urgent
    assert item.request_types == ["crisis", "referral"]
    assert item.safe_to_call is True and item.safe_to_text is False and item.voicemail_ok is None
    assert item.assigned_to == personas["specialist"]
    assert item.status == Status.IN_PROGRESS
    assert str(item.sla_policy) == "Crisis"
    event = AuditEvent.objects.get(action="contact.create")
    assert event.actor_id == personas["specialist"].pk
    assert "shelter" not in str(event.detail)


def test_viewing_a_contact_writes_an_audit_event(client_for, personas) -> None:
    item = contact(narrative="Sensitive words (fictional)")
    page = client_for("supervisor").get(reverse("contacts:detail", args=[item.pk]))
    assert "Sensitive words" in page.content.decode()
    event = AuditEvent.objects.get(action="contact.view")
    assert event.object_id == str(item.pk) and event.actor_id == personas["supervisor"].pk
    assert "Sensitive" not in str(event.detail)


@pytest.mark.parametrize("persona", ["liaison_a", "curator", "administrator"])
def test_those_who_do_not_work_contacts_see_none(client_for, persona) -> None:
    item = contact(narrative="Secret (fictional)")
    client = client_for(persona)
    for name in ["contacts:detail", "contacts:edit"]:
        response = client.get(reverse(name, args=[item.pk]))
        assert response.status_code == 403
        assert b"Secret" not in response.content
    assert not AuditEvent.objects.filter(action="contact.view").exists()


def test_side_panel_refers_near_the_callers_zip_and_shares_a_resource(
    client_for, personas, panel_sources
) -> None:
    resource = panel_sources
    item = contact(postal_code="60601", city="Chicago", state="IL")
    client = client_for("specialist")
    panel = reverse("contacts:panel", args=[item.pk])
    assert "60601" not in panel  # the location travels in the body, never in the address
    page = client.post(panel, {"search_directory": "1", "postal_code": "60601", "radius": 25})
    html = page.content.decode()
    assert page.status_code == 200
    assert uid("svc-a") in html  # a listing near the caller, with its Refer button
    response = client.post(reverse("contacts:refer", args=[item.pk]), {"service_id": uid("svc-a")})
    assert response.status_code == 302
    assert Referral.objects.filter(contact=item, service_id=uid("svc-a")).exists()

    # A malformed id is the client's mistake (400); a well-formed unknown one is not found.
    for wrong, status in [("", 400), ("not-a-uuid", 400), (uid("nothing-here"), 404)]:
        response = client.post(reverse("contacts:refer", args=[item.pk]), {"service_id": wrong})
        assert response.status_code == status
    for wrong, status in [("", 400), ("1.5", 400), ("x", 400), ("999999", 404)]:
        response = client.post(reverse("contacts:share", args=[item.pk]), {"resource_id": wrong})
        assert response.status_code == status
    assert Referral.objects.filter(contact=item).count() == 1
    assert not SharedResource.objects.filter(contact=item).exists()

    page = client.post(panel, {"search_library": "1", "text": "labor rights"})
    assert f'value="{resource.pk}"' in page.content.decode()
    client.post(reverse("contacts:share", args=[item.pk]), {"resource_id": resource.pk})
    assert SharedResource.objects.filter(contact=item, resource=resource).exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"contact.refer", "contact.share"} <= actions
    detail = client.get(reverse("contacts:detail", args=[item.pk])).content.decode()
    assert "Know your labor rights card" in detail


def test_supervisor_sees_counts_message_taken_and_breaches(client_for) -> None:
    taken = contact(received_at=eastern(2026, 3, 7, 23), request_types=["general_info"])
    assert taken.status == Status.MESSAGE_TAKEN
    late = contact(received_at=eastern(2020, 1, 1, 12), urgency=Urgency.URGENT)
    page = client_for("supervisor").get(reverse("contacts:supervisor")).content.decode()
    assert taken.reference in page
    assert late.reference in page.split("Deadlines missed")[1].split("At risk")[0]


def test_supervisor_goes_on_duty(client_for, personas) -> None:
    client_for("supervisor").post(reverse("contacts:duty"), {"on_duty": "1"})
    assert personas["supervisor"].duty.on_duty


def test_the_notifications_page_and_marking_them_read_are_audited(personas, client_for) -> None:
    default_service_hours()
    specialist = personas["specialist"]
    contact = receive(Contact(channel="phone", narrative="Someone asks for help"), actor=specialist)
    Notification.objects.create(user=specialist, kind="crisis", contact=contact)
    client = client_for("specialist")
    assert contact.reference in client.get(reverse("contacts:notifications")).content.decode()
    seen = AuditEvent.objects.get(action="contact.list", detail__page="notifications")
    assert (seen.actor_id, seen.detail) == (specialist.pk, {"page": "notifications", "count": 1})
    client.post(reverse("contacts:notifications"))
    assert not Notification.objects.filter(user=specialist).unread().exists()
    read = AuditEvent.objects.get(action="notification.read_all")
    assert (read.actor_id, read.detail) == (specialist.pk, {"count": 1})
