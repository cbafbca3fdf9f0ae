"""Listings due for re-verification: the sweep marks each once and tells the curators."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from conftest import send_queued_emails
from hotline.audit.models import AuditEvent
from hotline.directory.actions import verify_organization
from hotline.directory.models import ListingStatus, Organization
from hotline.lib import sweep

pytestmark = pytest.mark.django_db
JOB = "hotline.directory.verification.mark_due"


def test_listings_due_are_marked_once_and_the_curators_told(
    personas, django_capture_on_commit_callbacks
) -> None:
    curator = personas["curator"]
    curator.email = "curator@example.org"
    curator.save()
    now = timezone.now()
    old = Organization.objects.create(
        name="Old (fictional)", last_verified_at=now - dt.timedelta(days=400)
    )
    never = Organization.objects.create(name="Never verified (fictional)")
    fresh = Organization.objects.create(name="Fresh (fictional)", last_verified_at=now)
    Organization.objects.create(
        name="Withdrawn (fictional)", listing_status=ListingStatus.WITHDRAWN
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep.run(now)[JOB] == 2
        assert sweep.run(now + dt.timedelta(minutes=1))[JOB] == 0  # told once
    assert send_queued_emails() == 1
    (message,) = mail.outbox
    assert message.to == ["curator@example.org"]
    assert message.subject == "2 listings are due for re-verification"
    assert "/directory/staff/queue/" in message.body
    marked = Organization.objects.filter(verification_due_since=now)
    assert set(marked.values_list("pk", flat=True)) == {old.pk, never.pk}
    fresh.refresh_from_db()
    assert fresh.verification_due_since is None
    assert AuditEvent.objects.filter(action="directory.verification_due").count() == 1

    # Verified: the mark goes, and comes again only a year later.
    verify_organization(curator, old)
    old.refresh_from_db()
    assert old.verification_due_since is None
    assert sweep.run(now + dt.timedelta(days=1))[JOB] == 0
    assert sweep.run(now + dt.timedelta(days=370))[JOB] == 2  # old again, and fresh
