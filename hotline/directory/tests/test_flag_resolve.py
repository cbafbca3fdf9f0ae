"""A curator resolves a specialist's flag with a note of what they did, kept with who and when,
and can go straight on to the listing's edit screen."""

import pytest
from django.core import mail
from django.urls import reverse

from conftest import send_queued_emails
from hotline.audit.models import AuditEvent
from hotline.directory.models import FlagStatus, JoinApplication, ListingFlag, Organization, Service
from hotline.directory.tests.test_join import apply

pytestmark = pytest.mark.django_db


@pytest.fixture
def flag(personas) -> ListingFlag:
    organization = Organization.objects.create(name="Riverbend Outreach (fictional)")
    service = Service.objects.create(organization=organization, name="Drop-in centre")
    return ListingFlag.objects.create(
        organization=organization,
        service=service,
        reason="disconnected",
        note="The number rang out twice.",
        created_by=personas["specialist"],
    )


def resolve_url(flag: ListingFlag) -> str:
    return reverse("directory:flag_resolve", args=[flag.pk])


def test_the_queue_links_each_flag_to_its_resolution_and_to_the_edit(flag, client_for) -> None:
    body = client_for("curator").get(reverse("directory:queue")).content.decode()
    assert resolve_url(flag) in body
    assert reverse("directory:listing_edit", args=[flag.organization_id]) in body


def test_resolving_needs_a_note(flag, client_for) -> None:
    response = client_for("curator").post(resolve_url(flag), {"note": "   "})
    assert response.status_code == 400
    assert "Write what you did about this flag." in response.content.decode()
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN and flag.resolved_by is None
    assert not AuditEvent.objects.filter(action="directory.flag_resolve").exists()


def test_the_note_is_kept_with_who_and_when(flag, client_for, personas) -> None:
    curator = client_for("curator")
    response = curator.post(resolve_url(flag), {"note": "Called them: new number listed."})
    assert response.status_code == 302 and response["Location"] == reverse("directory:queue")
    flag.refresh_from_db()
    assert flag.status == FlagStatus.RESOLVED
    assert flag.resolution_note == "Called them: new number listed."
    assert flag.resolved_by == personas["curator"] and flag.resolved_at is not None
    event = AuditEvent.objects.get(action="directory.flag_resolve")
    assert event.object_id == str(flag.pk) and "Called" not in str(event.detail)
    # The page shows it afterwards, and resolving again is not offered.
    body = curator.get(resolve_url(flag)).content.decode()
    assert "Called them: new number listed." in body and 'name="note"' not in body


def test_resolve_and_edit_opens_the_edit_screen(flag, client_for) -> None:
    response = client_for("curator").post(
        resolve_url(flag), {"note": "Fixing the number now.", "then": "edit"}
    )
    assert response["Location"] == reverse("directory:listing_edit", args=[flag.organization_id])
    flag.refresh_from_db()
    assert flag.status == FlagStatus.RESOLVED


def test_a_specialist_cannot_resolve(flag, client_for) -> None:
    assert client_for("specialist").post(resolve_url(flag), {"note": "x"}).status_code == 403
    flag.refresh_from_db()
    assert flag.status == FlagStatus.OPEN


def test_the_curators_message_on_approval_reaches_the_applicant(
    client_for, django_capture_on_commit_callbacks
) -> None:
    application = apply(client_for("anonymous"))
    with django_capture_on_commit_callbacks(execute=True):
        client_for("curator").post(
            reverse("directory:application", args=[application.pk]),
            {"decision": "approve", "message": "Listed: call us to add your hours."},
        )
    assert send_queued_emails() == 1
    (message,) = mail.outbox
    assert message.to == ["pat@example.org"]
    assert "Listed: call us to add your hours." in message.body
    assert JoinApplication.objects.get().curator_message == "Listed: call us to add your hours."


def test_the_curators_message_on_decline_reaches_the_applicant(
    client_for, django_capture_on_commit_callbacks
) -> None:
    application = apply(client_for("anonymous"))
    with django_capture_on_commit_callbacks(execute=True):
        client_for("curator").post(
            reverse("directory:application", args=[application.pk]),
            {"decision": "decline", "message": "We list direct services only."},
        )
    assert send_queued_emails() == 1
    (message,) = mail.outbox
    assert message.to == ["pat@example.org"] and "We list direct services only." in message.body
