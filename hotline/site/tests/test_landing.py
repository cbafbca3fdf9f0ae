"""The console's landing page shows each role's work now, bounded, audited and in words."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hotline.audit.models import AuditEvent
from hotline.cases.actions import open_case, request_report
from hotline.cases.models import Victim
from hotline.contacts.actions import claim, receive
from hotline.contacts.models import Contact, Status
from hotline.directory.models import (
    JoinApplication,
    ListingFlag,
    Organization,
    Service,
)
from hotline.site.landing import LIMIT

# New work, not messages taken after hours: the suite runs at any hour.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("business_hours_always_open")]


def a_contact(**fields) -> Contact:
    fields.setdefault("channel", "phone")
    fields.setdefault("narrative", "Landing test (fictional) narrative")
    return receive(Contact(**fields))


def section(response, key: str):
    return next(s for s in response.context["sections"] if s.key == key)


def keys(response) -> list[str]:
    return [s.key for s in response.context["sections"]]


def make_work(personas: dict, n: int) -> None:
    """n of every kind of work each role sees."""
    past = timezone.now() - dt.timedelta(hours=3)
    for i in range(n):
        mine = a_contact(urgency="urgent")
        claim(mine, actor=personas["specialist"])
        a_contact(urgency="urgent", request_types=["crisis"])
        late = a_contact(urgency="non_urgent")
        Contact.objects.filter(pk=late.pk).update(
            first_response_due=past, first_response_at=None, resolution_due=past
        )
        a_contact(urgency="non_urgent", request_types=["tta"])
        a_contact(urgency="non_urgent", status=Status.MESSAGE_TAKEN)
        org = Organization.objects.create(
            name=f"Landing Org {i} (fictional)",
            description="d",
            verification_due_since=past,
        )
        service = Service.objects.create(organization=org, name="Shelter", status="active")
        ListingFlag.objects.create(
            organization=org,
            service=service,
            reason="disconnected",
            created_by=personas["specialist"],
        )
        JoinApplication.objects.create(
            token=f"landing-{JoinApplication.objects.count()}",
            organization_name=f"Applicant {i} (fictional)",
            kind="ngo",
            description="d",
            phone="555",
            city="Springfield",
            state="IL",
            postal_code="62701",
            contact_name="A",
            contact_email="a@example.org",
        )
        case = open_case(actor=personas["specialist"], city="Springfield")
        Victim.objects.create(case=case, age_group="minor")
        request_report(
            case, org, actor=personas["specialist"], exception="minor", reason="Landing reason"
        )


def test_specialist_sees_their_open_contacts_and_urgent_unassigned(personas, client_for) -> None:
    make_work(personas, 1)
    someone_elses = a_contact(urgency="urgent")
    claim(someone_elses, actor=personas["supervisor"])
    response = client_for("specialist").get(reverse("site:console"))
    assert keys(response) == ["mine", "urgent-unassigned", "deliveries"]
    mine = section(response, "mine")
    assert mine.count == 1
    assert Contact.objects.get(reference=mine.items[0].label).assigned_to == personas["specialist"]
    urgent = section(response, "urgent-unassigned")
    assert urgent.count == 1  # the crisis call; the claimed ones are not waiting
    html = response.content.decode()
    assert "Urgent" in html and "Crisis" in html and "In progress" in html
    assert "in_progress" not in html  # statuses in words, not codes
    assert "fictional) narrative" not in html  # no narrative on the landing page
    assert response["Cache-Control"] == "no-store"


def test_the_landing_page_view_of_contacts_is_audited(personas, client_for) -> None:
    make_work(personas, 2)
    client_for("specialist").get(reverse("site:console"))
    event = AuditEvent.objects.filter(action="contact.list").latest("seq")
    assert event.actor_id == personas["specialist"].pk
    assert event.detail == {"page": "console", "count": 2 + 2}


def test_supervisor_sees_crisis_missed_at_risk_and_approvals(personas, client_for) -> None:
    make_work(personas, 2)
    response = client_for("supervisor").get(reverse("site:console"))
    assert keys(response) == ["crisis", "missed", "at-risk", "approvals", "deliveries", "mine"]
    assert section(response, "crisis").count == 2
    # The unread alerts lead to the notifications page.
    ((words, href),) = section(response, "crisis").notes
    assert words.startswith("Unread crisis alerts:")
    assert href == reverse("contacts:notifications")
    assert f'href="{href}">{words}</a>' in response.content.decode()
    assert section(response, "missed").count == 2
    approvals = section(response, "approvals")
    assert approvals.count == 2
    assert approvals.items[0].url == reverse(
        "cases:report", args=[int(approvals.items[0].label[3:])]
    )
    assert approvals.items[0].label.startswith("RP-")
    assert AuditEvent.objects.filter(
        action="report.list", actor_id=personas["supervisor"].pk, detail__page="console"
    ).exists()


def test_a_contact_near_its_deadline_is_at_risk_and_a_late_one_is_not(personas, client_for):
    now = timezone.now()
    soon = a_contact(urgency="non_urgent")
    Contact.objects.filter(pk=soon.pk).update(
        first_response_at=now, resolution_due=now + dt.timedelta(minutes=20)
    )
    late = a_contact(urgency="non_urgent")
    Contact.objects.filter(pk=late.pk).update(
        first_response_at=now, resolution_due=now - dt.timedelta(minutes=20)
    )
    far = a_contact(urgency="non_urgent")
    Contact.objects.filter(pk=far.pk).update(
        first_response_at=now, resolution_due=now + dt.timedelta(days=20)
    )
    response = client_for("supervisor").get(reverse("site:console"))
    assert [i.label for i in section(response, "at-risk").items] == [soon.reference]
    assert [i.label for i in section(response, "missed").items] == [late.reference]


def test_program_staff_see_non_urgent_and_training_waiting_and_messages(personas, client_for):
    make_work(personas, 1)
    response = client_for("program_staff").get(reverse("site:console"))
    assert keys(response) == ["program-waiting", "messages-taken", "mine"]
    waiting = Contact.objects.filter(
        reference__in=[i.label for i in section(response, "program-waiting").items]
    )
    # The late non-urgent one and the training request; not the message taken, not urgent ones.
    assert waiting.count() == 2
    assert all(c.urgency == "non_urgent" or "tta" in c.request_types for c in waiting)
    assert section(response, "messages-taken").count == 1


def test_curator_sees_applications_flags_and_reverification(personas, client_for) -> None:
    make_work(personas, 3)
    response = client_for("curator").get(reverse("site:console"))
    assert keys(response) == ["applications", "flags", "reverification"]
    assert [section(response, k).count for k in keys(response)] == [3, 3, 3]
    assert not AuditEvent.objects.filter(action="contact.list").exists()


def test_administrator_sees_staff_settings_and_hours(personas, client_for) -> None:
    response = client_for("administrator").get(reverse("site:console"))
    assert keys(response)[:2] == ["staff", "hours"]
    html = response.content.decode()
    assert reverse("accounts:staff_list") in html
    assert reverse("site:settings") in html
    assert reverse("admin:hours_slapolicy_changelist") in html


def test_a_liaison_lands_on_their_portal(client_for) -> None:
    response = client_for("liaison_a").get(reverse("site:console"))
    assert response.status_code == 302 and response["Location"] == reverse("cases:portal")


def test_each_section_is_bounded_with_a_link_to_the_full_list(personas, client_for) -> None:
    make_work(personas, LIMIT + 2)
    response = client_for("supervisor").get(reverse("site:console"))
    crisis = section(response, "crisis")
    assert crisis.count == LIMIT + 2 and len(crisis.items) == LIMIT
    assert f"See all {LIMIT + 2}" in response.content.decode()


@pytest.mark.parametrize(
    "persona", ["specialist", "supervisor", "program_staff", "curator", "administrator"]
)
def test_landing_page_queries_do_not_grow_with_the_data(
    persona: str, personas, client_for, django_assert_num_queries
) -> None:
    client = client_for(persona)
    make_work(personas, 1)
    client.get(reverse("site:console"))  # warm the per-process caches (policies)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("site:console"))
    make_work(personas, 12)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse("site:console"))
    assert response.status_code == 200
