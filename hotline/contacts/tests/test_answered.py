"""Every path into "answered": whoever records a contact as under way, or claims it, answers
it. The first response is recorded, the contact is theirs, and no "deadline missed" follows."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from hotline.contacts.actions import claim, receive, set_status
from hotline.contacts.alerts import mark_breaches
from hotline.contacts.models import Contact, Notification, Status, Urgency

pytestmark = pytest.mark.django_db

CALL = {
    "channel": "phone",
    "urgency": "urgent",
    "request_types": ["crisis"],
    "caller_type": "survivor",
    "substantive": "on",
    "language": "en",
    "heard_from": "unknown",
    "narrative": "Caller in danger now (fictional).",
}


def late(contact: Contact) -> bool:
    """Would a sweep long after every first-response deadline mark it missed?"""
    later = timezone.now() + dt.timedelta(hours=1)
    return mark_breaches(later) == 1


@pytest.mark.parametrize("status", ["new", "in_progress", "awaiting_follow_up"])
def test_a_call_recorded_live_is_the_recorders_and_answered(
    client_for, personas, status: str
) -> None:
    response = client_for("specialist").post(reverse("contacts:intake"), {**CALL, "status": status})
    assert response.status_code == 302, response.content.decode()[:1000]
    item = Contact.objects.get()
    assert item.assigned_to == personas["specialist"]
    assert item.first_response_at is not None
    assert item.status != Status.NEW
    assert not late(item)
    assert not Notification.objects.filter(kind="breach").exists()


@pytest.mark.parametrize("status", [Status.NEW, Status.IN_PROGRESS, Status.MESSAGE_TAKEN])
def test_claiming_records_the_first_response_whatever_the_status(personas, status) -> None:
    # A contact that arrived some other way already "in progress" but with nobody on it.
    received = timezone.now() - dt.timedelta(minutes=10)
    item = receive(Contact(channel="sms", urgency=Urgency.URGENT, received_at=received))
    Contact.objects.filter(pk=item.pk).update(status=status)
    item.refresh_from_db()
    assert item.first_response_at is None
    claimed = claim(item, actor=personas["specialist"])
    claimed.refresh_from_db()
    assert claimed.first_response_at is not None
    assert claimed.assigned_to == personas["specialist"]
    assert claimed.status == Status.IN_PROGRESS
    assert not late(claimed)


def test_a_status_change_from_new_is_a_first_response(personas) -> None:
    item = receive(Contact(channel="email", urgency=Urgency.URGENT))
    set_status(item, Status.IN_PROGRESS, actor=personas["specialist"])
    item.refresh_from_db()
    assert item.first_response_at is not None
    assert not late(item)


def test_an_unanswered_contact_is_still_marked_missed(personas) -> None:
    receive(Contact(channel="phone", urgency=Urgency.URGENT))
    assert late(Contact.objects.get())
