import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from conftest import send_queued_emails
from hotline.audit.models import AuditEvent
from hotline.directory import geo
from hotline.directory.models import (
    JoinApplication,
    Metadata,
    Organization,
    SearchEntry,
)
from hotline.directory.search import Query, search

pytestmark = pytest.mark.django_db

FORM = {
    "organization_name": "Harbor Light Youth Services (fictional)",
    "kind": "service_provider",
    "description": "Shelter and case management for young survivors.",
    "phone": "555-0100",
    "address_1": "1 Sample Way",
    "city": "Chicago",
    "state": "IL",
    "postal_code": "60614",
    "categories": ["shelter", "case_management"],
    "populations": ["minors", "lgbtq_youth"],
    "trafficking_types": ["sex", "labor"],
    "languages": ["en", "es"],
    "features": ["warm_transfer"],
    "contact_name": "Pat Applicant",
    "contact_email": "pat@example.org",
}


def apply(client) -> JoinApplication:
    response = client.post(reverse("directory:join"), FORM)
    assert response.status_code == 200 and "Thank you" in response.content.decode()
    return JoinApplication.objects.get()


def test_application_is_pending_and_not_listed(client_for) -> None:
    application = apply(client_for("anonymous"))
    assert application.status == "pending"
    assert not Organization.objects.exists()
    assert AuditEvent.objects.filter(action="directory.apply").exists()
    queue = client_for("curator").get(reverse("directory:queue")).content.decode()
    assert "Harbor Light Youth Services" in queue


def test_curator_asks_for_changes_then_approves_and_the_listing_is_searchable(
    client_for, django_capture_on_commit_callbacks
) -> None:
    application = apply(client_for("anonymous"))
    curator = client_for("curator")
    url = reverse("directory:application", args=[application.pk])
    with django_capture_on_commit_callbacks(execute=True):
        curator.post(url, {"decision": "changes", "message": "Please add your website."})
    assert send_queued_emails() == 1  # the worker's part
    application.refresh_from_db()
    assert mail.outbox[-1].subject == "Hotline: changes to your directory application"
    assert mail.outbox[-1].to == ["pat@example.org"]
    assert mail.outbox[-1].body == (
        "We need a few changes before we can list your organization:\n\n"
        "Please add your website.\n\nUpdate your application here: "
        f"http://127.0.0.1:8000{reverse('directory:join_edit', args=[application.token])}\n"
    )
    assert application.status == "changes_requested"
    assert (
        "Please add your website." in mail.outbox[-1].body
        and application.token in mail.outbox[-1].body
    )
    # The applicant follows the emailed link and resubmits.
    edit = reverse("directory:join_edit", args=[application.token])
    anonymous = client_for("anonymous")
    assert "Please add your website." in anonymous.get(edit).content.decode()
    anonymous.post(edit, {**FORM, "website": "https://harbor.example"})
    application.refresh_from_db()
    assert application.status == "pending" and application.website == "https://harbor.example"
    assert anonymous.get(edit).status_code == 404  # the link works only while changes are asked
    response = curator.post(url, {"decision": "approve"})
    application.refresh_from_db()
    organization = application.organization
    assert organization is not None and organization.last_verified_at is not None
    assert application.status == "approved" and response.status_code == 302
    assert organization.listing_status == "listed"
    assert timezone.localdate(organization.last_verified_at) == timezone.localdate()
    assert Metadata.objects.filter(resource_id=organization.pk, last_action_type="create").exists()
    assert AuditEvent.objects.filter(action="directory.application_approve").exists()
    results = search(
        Query(place=geo.zip_place("60614"), populations=("minors",), languages=("es",), public=True)
    )
    assert [hit.organization_id for hit in results.local] == [organization.pk]
    page = client_for("anonymous").get(reverse("directory:public_listing", args=[organization.pk]))
    assert "Last verified" in page.content.decode()


def test_confidential_application_becomes_a_hidden_address(client_for) -> None:
    client = client_for("anonymous")
    client.post(reverse("directory:join"), {**FORM, "confidential_location": "on"})
    application = JoinApplication.objects.get()
    client_for("curator").post(
        reverse("directory:application", args=[application.pk]), {"decision": "approve"}
    )
    entry = SearchEntry.objects.get()
    assert entry.confidential and not entry.public


def test_decline_needs_a_reason_and_lists_nothing(client_for) -> None:
    application = apply(client_for("anonymous"))
    curator = client_for("curator")
    url = reverse("directory:application", args=[application.pk])
    assert curator.post(url, {"decision": "decline"}).status_code == 200
    curator.post(url, {"decision": "decline", "message": "Outside our scope."})
    application.refresh_from_db()
    assert application.status == "declined" and not Organization.objects.exists()


def test_the_applicant_is_told_of_a_decline_and_of_a_listing(
    client_for, django_capture_on_commit_callbacks
) -> None:
    curator = client_for("curator")
    declined = apply(client_for("anonymous"))
    client_for("anonymous").post(
        reverse("directory:join"), {**FORM, "organization_name": "Second Light (fictional)"}
    )
    listed = JoinApplication.objects.exclude(pk=declined.pk).get()
    with django_capture_on_commit_callbacks(execute=True):
        curator.post(
            reverse("directory:application", args=[declined.pk]),
            {"decision": "decline", "message": "Outside our scope, sorry: we list <shelters>."},
        )
        curator.post(
            reverse("directory:application", args=[listed.pk]),
            {"decision": "approve", "message": "Welcome: we checked your <shelter> with you."},
        )
    assert not mail.outbox  # the worker sends them
    assert send_queued_emails() == 2
    assert [(m.subject, m.body, m.to) for m in mail.outbox] == [
        (
            "Hotline: your directory application",
            "Outside our scope, sorry: we list <shelters>.\n",
            ["pat@example.org"],
        ),
        (
            "Hotline: your organization is listed",
            "Thank you. Your organization is now listed in our referral directory.\n\n"
            "A message from our curators:\n\n"
            "Welcome: we checked your <shelter> with you.\n",
            ["pat@example.org"],
        ),
    ]


def test_reverification_queue_lists_listings_not_verified_for_twelve_months(client_for) -> None:
    now = timezone.now()
    old = Organization.objects.create(
        name="Old (fictional)", description="d", last_verified_at=now - dt.timedelta(days=400)
    )
    Organization.objects.create(
        name="Fresh (fictional)", description="d", last_verified_at=now - dt.timedelta(days=30)
    )
    never = Organization.objects.create(name="Never (fictional)", description="d")
    assert set(Organization.objects.due_for_verification()) == {old, never}
    curator = client_for("curator")
    body = curator.get(reverse("directory:queue")).content.decode()
    assert (
        "Old (fictional)" in body
        and "Never (fictional)" in body
        and "Fresh (fictional)" not in body
    )
    curator.post(reverse("directory:verify", args=[old.pk]))
    old.refresh_from_db()
    assert old.last_verified_at is not None
    assert timezone.localdate(old.last_verified_at) == timezone.localdate()
    assert Metadata.objects.filter(resource_id=old.pk, last_action_type="verify").exists()
    assert AuditEvent.objects.filter(action="directory.verify", object_id=str(old.pk)).exists()


def test_withdrawing_a_listing_hides_it_from_the_public(client_for) -> None:
    org = Organization.objects.create(name="To withdraw (fictional)", description="d")
    curator = client_for("curator")
    curator.post(reverse("directory:listing_status", args=[org.pk]), {"status": "withdrawn"})
    org.refresh_from_db()
    assert org.listing_status == "withdrawn"
    assert (
        client_for("anonymous").get(reverse("directory:public_listing", args=[org.pk])).status_code
        == 404
    )
    assert Metadata.objects.filter(resource_id=org.pk, field_name="listing_status").exists()


def test_join_form_is_throttled_per_address(client_for, monkeypatch) -> None:
    from hotline.directory import views

    monkeypatch.setattr(views.JOIN_THROTTLE, "limit", 1)
    client = client_for("anonymous")
    assert client.post(reverse("directory:join"), FORM).status_code == 200
    response = client.post(reverse("directory:join"), FORM)
    assert response.status_code == 429 and JoinApplication.objects.count() == 1
