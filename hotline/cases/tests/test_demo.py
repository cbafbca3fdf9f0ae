"""The demo of ISSUE 6 with the demo accounts: a specialist opens a case from a tip, records a
minor, gets the suggestion, the supervisor approves a report to the task force, the task force's
liaison sees and acknowledges it, and the specialist sees the acknowledgement; each step is in
the audit trail."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from conftest import signed_in_client
from hotline.accounts.models import User
from hotline.audit.actions import verify
from hotline.audit.models import AuditEvent
from hotline.cases.management.commands.cases_demo import TASK_FORCE_ID
from hotline.cases.models import AgencyLink, Case, Report
from hotline.contacts.actions import receive
from hotline.contacts.models import Contact

pytestmark = pytest.mark.django_db


def test_demo_flow_from_tip_to_acknowledgement() -> None:
    call_command("demo_setup", stdout=open("/dev/null", "w"))  # noqa: SIM115
    for _ in range(2):  # idempotent
        call_command("cases_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    link = AgencyLink.objects.get()
    assert link.organization_id == TASK_FORCE_ID
    assert link.agency.name == "Demo County Human Trafficking Task Force"
    # As after each one set their own password at first sign-in.
    User.objects.filter(username__startswith="demo-").update(must_change_password=False)
    specialist = signed_in_client(User.objects.get(username="demo-specialist"))
    supervisor = signed_in_client(User.objects.get(username="demo-supervisor"))
    liaison = signed_in_client(User.objects.get(username="demo-liaison"))

    tip = receive(Contact(channel="webform", request_types=["tip"], narrative="(fictional)"))
    specialist.post(reverse("cases:open_from_contact", kwargs={"contact_id": tip.pk}))
    case = Case.objects.get()
    specialist.post(
        reverse("cases:edit", kwargs={"case_id": case.pk}),
        {"trafficking_type": "sex", "venue": "hotel_motel", "typologies": ["escort"]},
    )
    specialist.post(
        reverse("cases:victim_add", kwargs={"case_id": case.pk}),
        {"age_group": "minor", "gender": "female", "citizenship": "unknown"},
    )
    page = specialist.get(reverse("cases:detail", kwargs={"case_id": case.pk}))
    assert [r.code for r in page.context["reasons"]] == ["minor_in_commercial_sex"]
    specialist.post(reverse("cases:potential", kwargs={"case_id": case.pk}), {"potential": "1"})
    specialist.post(
        reverse("cases:report_new", kwargs={"case_id": case.pk}),
        {"recipients": [str(TASK_FORCE_ID)], "exception": "minor", "reason": "A child, 15"},
    )
    report = Report.objects.get()
    supervisor.post(reverse("cases:report_approve", kwargs={"report_id": report.pk}))
    assert [r.pk for r in liaison.get(reverse("cases:portal")).context["reports"]] == [report.pk]
    liaison.get(reverse("cases:portal_report", kwargs={"report_id": report.pk}))
    liaison.post(reverse("cases:portal_acknowledge", kwargs={"report_id": report.pk}))
    page = specialist.get(reverse("cases:detail", kwargs={"case_id": case.pk}))
    assert page.context["reports"][0].acknowledged_at is not None

    trail = [
        (e.action, e.actor.username if e.actor else None)
        for e in AuditEvent.objects.filter(action__regex=r"^(case|victim|report)\.")
        .exclude(action__in=["case.view", "case.list", "report.list", "case.status"])
        .order_by("seq")
    ]
    assert trail == [
        ("case.create", "demo-specialist"),
        ("case.attach_contact", "demo-specialist"),
        ("case.update", "demo-specialist"),
        ("victim.create", "demo-specialist"),
        ("case.potential", "demo-specialist"),
        ("case.alert", None),
        ("report.request", "demo-specialist"),
        ("report.approve", "demo-supervisor"),
        ("report.send", "demo-supervisor"),
        ("report.view", "demo-liaison"),
        ("report.acknowledge", "demo-liaison"),
    ]
    assert verify().ok
