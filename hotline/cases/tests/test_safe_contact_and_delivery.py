"""The safe-contact plan (code words, safe times) stays home unless the reporting policy shares
it; a report to an agency with no portal becomes a specialist's delivery task."""

import json

import pytest
from django.urls import reverse

from hotline.audit.models import AuditEvent
from hotline.cases import gate
from hotline.cases.actions import (
    NotAwaitingDelivery,
    attach_contact,
    mark_delivered,
    request_report,
)
from hotline.cases.models import Report, ReportingPolicy, Snapshot
from hotline.cases.tests.conftest import add_victim, give_consent
from hotline.contacts.actions import receive
from hotline.contacts.models import Contact
from hotline.directory.models import Organization, Phone

pytestmark = pytest.mark.django_db

SAFE_TIMES = "weekdays after nine at night"


def _with_contact(case, personas) -> Contact:
    contact = receive(
        Contact(channel="phone", safe_times=SAFE_TIMES, code_word="kingfisher", narrative="n")
    )
    attach_contact(case, contact, actor=personas["specialist"])
    return contact


def _payload(report: Report) -> str:
    return Snapshot.objects.get(report=report).payload


def test_safe_times_and_code_words_stay_home_by_default(personas, case, orgs) -> None:
    org_a, _ = orgs
    _with_contact(case, personas)
    give_consent(add_victim(case), [org_a])
    text = _payload(request_report(case, org_a, actor=personas["specialist"]))
    assert json.loads(text)["level"] == "full"
    for secret in (SAFE_TIMES, "kingfisher", "bluebird"):
        assert secret not in text


def test_the_policy_can_share_safe_times_and_code_words_separately(personas, case, orgs) -> None:
    org_a, _ = orgs
    _with_contact(case, personas)
    give_consent(add_victim(case), [org_a])
    policy = ReportingPolicy.current()
    policy.share_safe_times = True
    policy.save()
    data = json.loads(_payload(request_report(case, org_a, actor=personas["specialist"])))
    assert data["situation"]["safe_contact"] == [{"safe_times": SAFE_TIMES}]
    policy.share_safe_times, policy.share_code_word = False, True
    policy.save()
    data = json.loads(_payload(request_report(case, org_a, actor=personas["specialist"])))
    assert data["situation"]["safe_contact"] == [{"code_word": "kingfisher"}]
    assert data["victims"][0]["code_word"] == "bluebird"


def test_a_deidentified_report_never_carries_the_plan_even_if_shared(personas, case, orgs) -> None:
    org_a, _ = orgs
    _with_contact(case, personas)
    add_victim(case)  # no consent: de-identified
    policy = ReportingPolicy.current()
    policy.share_safe_times = policy.share_code_word = True
    policy.save()
    text = _payload(request_report(case, org_a, actor=personas["specialist"]))
    assert json.loads(text)["level"] == "deidentified"
    assert SAFE_TIMES not in text and "kingfisher" not in text


def test_the_redacted_summary_may_not_carry_the_safe_times(personas, case, orgs) -> None:
    _with_contact(case, personas)
    assert gate.identifying_part(f"Call only {SAFE_TIMES.upper()}, she said.", case) == (
        SAFE_TIMES.upper()
    )
    assert gate.identifying_part("She works nights.", case) == ""


@pytest.fixture
def sheriff() -> Organization:
    org = Organization.objects.create(name="Words County Sheriff (fictional)", description="d")
    Phone.objects.create(organization=org, number="+1 217 555 0142", description="Dispatch")
    return org


def test_a_report_to_an_agency_with_no_portal_is_a_delivery_task(
    personas, case, sheriff, client_for
) -> None:
    add_victim(case)
    report = request_report(case, sheriff, actor=personas["specialist"])
    report.refresh_from_db()
    assert report.status == "sent" and not report.delivered_to_portal
    assert list(Report.objects.awaiting_delivery()) == [report]
    specialist = client_for("specialist")
    listing = specialist.get(reverse("cases:deliveries"))
    assert report.reference in listing.content.decode()
    assert "+1 217 555 0142" in listing.content.decode()
    page = specialist.get(reverse("cases:report", kwargs={"report_id": report.pk}))
    assert "To be delivered by phone" in page.content.decode()
    assert "+1 217 555 0142" in page.content.decode()

    done = specialist.post(
        reverse("cases:report_delivered", kwargs={"report_id": report.pk}),
        {"note": "Desk sergeant"},
    )
    assert done.status_code == 302
    report.refresh_from_db()
    assert report.delivered_by == personas["specialist"] and report.delivered_at is not None
    assert not Report.objects.awaiting_delivery().exists()
    event = AuditEvent.objects.get(action="report.deliver", object_id=str(report.pk))
    assert event.actor == personas["specialist"] and "Desk" not in json.dumps(event.detail)
    page = specialist.get(reverse("cases:report", kwargs={"report_id": report.pk})).content
    assert "Delivered by phone by" in page.decode() and "To be delivered" not in page.decode()
    assert report.reference not in specialist.get(reverse("cases:deliveries")).content.decode()


def test_delivery_is_marked_once_and_never_for_a_portal_report(personas, case, orgs, sheriff):
    add_victim(case)
    by_phone = request_report(case, sheriff, actor=personas["specialist"])
    mark_delivered(by_phone, actor=personas["specialist"])
    with pytest.raises(NotAwaitingDelivery):
        mark_delivered(by_phone, actor=personas["supervisor"])
    by_phone.refresh_from_db()
    assert by_phone.delivered_by == personas["specialist"]
    to_portal = request_report(case, orgs[0], actor=personas["specialist"])
    with pytest.raises(NotAwaitingDelivery):
        mark_delivered(to_portal, actor=personas["specialist"])
    assert AuditEvent.objects.filter(action="report.deliver").count() == 1


def test_marking_a_portal_report_delivered_says_so_and_changes_nothing(
    personas, case, orgs, client_for
) -> None:
    add_victim(case)
    to_portal = request_report(case, orgs[0], actor=personas["specialist"])
    response = client_for("specialist").post(
        reverse("cases:report_delivered", kwargs={"report_id": to_portal.pk}), follow=True
    )
    assert "not waiting to be delivered by phone" in response.content.decode()
    to_portal.refresh_from_db()
    assert to_portal.delivered_at is None
