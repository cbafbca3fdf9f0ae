"""The console flow over HTTP: a case from a contact, victims, the suggestion and the alert,
consents, reports with the supervisor's approval, and the case's access history."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from conftest import send_queued_emails
from hotline.audit.models import AuditEvent
from hotline.cases.actions import open_case, set_status
from hotline.cases.models import Case, CaseAlert, CaseContact, Consent, Report, Victim
from hotline.cases.tests.conftest import add_victim
from hotline.cases.vocabularies import CaseStatus
from hotline.contacts.actions import receive
from hotline.contacts.models import Contact

pytestmark = pytest.mark.django_db


def events(action: str, **filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, **filters))


def a_tip() -> Contact:
    return receive(
        Contact(
            channel="phone",
            request_types=["tip"],
            city="Springfield",
            state="IL",
            caller_name="Jo Caller",
            narrative="A girl of 15 is sold at a motel (fictional).",
        )
    )


def test_specialist_opens_a_case_from_a_contact_and_attaches_another(client_for) -> None:
    tip, later = a_tip(), a_tip()
    client = client_for("specialist")
    page = client.get(reverse("contacts:detail", kwargs={"contact_id": tip.pk}))
    assert (
        reverse("cases:open_from_contact", kwargs={"contact_id": tip.pk}) in page.content.decode()
    )
    response = client.post(reverse("cases:open_from_contact", kwargs={"contact_id": tip.pk}))
    case = Case.objects.get()
    assert response["Location"] == reverse("cases:detail", kwargs={"case_id": case.pk})
    assert (case.city, case.state, case.status) == ("Springfield", "IL", "open")
    assert (case.reference or "").startswith("CS-")
    client.post(
        reverse("cases:attach_contact", kwargs={"contact_id": later.pk}),
        {"case_reference": case.reference},
    )
    assert list(CaseContact.objects.values_list("contact_id", flat=True)) == [tip.pk, later.pk]
    assert len(events("case.attach_contact", object_id=str(case.pk))) == 2
    # Opening again from the same contact goes to its case instead of a second one.
    client.post(reverse("cases:open_from_contact", kwargs={"contact_id": tip.pk}))
    assert Case.objects.count() == 1


def test_program_staff_cannot_open_a_case(client_for) -> None:
    tip = a_tip()
    response = client_for("program_staff").post(
        reverse("cases:open_from_contact", kwargs={"contact_id": tip.pk})
    )
    assert response.status_code == 403 and not Case.objects.exists()


def test_views_of_a_case_victim_and_consent_are_audited(personas, client_for, case) -> None:
    victim = add_victim(case)
    consent = Consent.objects.create(
        case=case,
        victim=victim,
        given_by="victim",
        method="written",
        purposes=["report"],
        expires_at=timezone.now() + dt.timedelta(days=10),
    )
    client = client_for("specialist")
    client.get(reverse("cases:detail", kwargs={"case_id": case.pk}))
    client.get(reverse("cases:victim", kwargs={"case_id": case.pk, "victim_id": victim.pk}))
    client.get(reverse("cases:consent", kwargs={"case_id": case.pk, "consent_id": consent.pk}))
    specialist = personas["specialist"]
    assert events("case.view", object_id=str(case.pk), actor=specialist)
    assert events("victim.view", object_id=str(victim.pk), actor=specialist)
    assert events("consent.view", object_id=str(consent.pk), actor=specialist)
    for event in AuditEvent.objects.all():
        assert "Maria" not in str(event.detail)


def test_victim_recorded_through_the_form(client_for, case) -> None:
    response = client_for("specialist").post(
        reverse("cases:victim_add", kwargs={"case_id": case.pk}),
        {
            "name": "Ana Ruiz",
            "age_group": "minor",
            "gender": "female",
            "citizenship": "us_citizen",
            "indicator_level": "high",
        },
    )
    assert response.status_code == 302
    victim = Victim.objects.get(case=case)
    assert (victim.age_group, victim.name) == ("minor", "Ana Ruiz")
    (event,) = events("victim.create")
    assert event.detail["case"] == case.pk and "Ana" not in str(event.detail)


def test_suggestion_from_the_federal_definition(personas, client_for) -> None:
    case = open_case(actor=personas["specialist"], trafficking_type="sex")
    client = client_for("specialist")
    url = reverse("cases:detail", kwargs={"case_id": case.pk})
    assert client.get(url).context["reasons"] == []
    add_victim(case, age_group="minor")
    reasons = client.get(url).context["reasons"]
    assert [r.code for r in reasons] == ["minor_in_commercial_sex"]
    labor = open_case(
        actor=personas["specialist"], trafficking_type="labor", means=["coercion:debt_bondage"]
    )
    page = client.get(reverse("cases:detail", kwargs={"case_id": labor.pk}))
    assert [r.code for r in page.context["reasons"]] == ["force_fraud_coercion:coercion"]
    assert "debt bondage" in page.content.decode()
    # Labor without force, fraud or coercion is not suggested.
    plain = open_case(actor=personas["specialist"], trafficking_type="labor")
    assert (
        client.get(reverse("cases:detail", kwargs={"case_id": plain.pk})).context["reasons"] == []
    )


def test_marking_potential_trafficking_alerts_the_supervisors(
    personas, client_for, case, django_capture_on_commit_callbacks
) -> None:
    supervisor = personas["supervisor"]
    supervisor.email = "sup@example.org"
    supervisor.save()
    add_victim(case, age_group="minor")
    with django_capture_on_commit_callbacks(execute=True):
        client_for("specialist").post(
            reverse("cases:potential", kwargs={"case_id": case.pk}), {"potential": "1"}
        )
    case.refresh_from_db()
    assert case.potential_trafficking is True
    assert case.potential_decided_by == personas["specialist"]
    assert list(CaseAlert.objects.values_list("user__username", flat=True)) == ["supervisor"]
    (decided,) = events("case.potential")
    assert decided.detail["reasons"] == "force_fraud_coercion:force,minor_in_commercial_sex"
    page = client_for("supervisor").get(reverse("cases:supervisor"))
    assert case.reference in page.content.decode()
    # Marking them read touches the supervisor's own alerts only.
    someone_else = CaseAlert.objects.create(user=personas["specialist"], case=case)
    client_for("supervisor").post(reverse("cases:supervisor"))
    assert CaseAlert.objects.get(user=supervisor).read_at is not None
    someone_else.refresh_from_db()
    assert someone_else.read_at is None
    # The email's task holds ids only; the worker reads the rest when it sends.
    (queued,) = DBTaskResult.objects.filter(task_path="hotline.lib.emails.deliver")
    assert queued.args_kwargs == {
        "args": ["hotline.cases.emails.case_alert", [case.pk, [supervisor.pk]]],
        "kwargs": {},
    }
    assert send_queued_emails() == 1
    (message,) = mail.outbox
    assert message.to == ["sup@example.org"]
    assert message.subject == f"Potential trafficking case: {case.reference}"
    assert message.body == (
        f"A case was marked potential trafficking: {case.reference}.\n\n"
        f"Open the console: http://127.0.0.1:8000{reverse('cases:supervisor')}\n"
    )
    assert case.reference in message.subject
    for secret in ["Maria", "Hidden", "555", "Springfield"]:
        assert secret not in str(message.subject) + str(message.body)


def test_consent_recorded_through_the_form_requires_an_expiry(client_for, case, orgs) -> None:
    victim = add_victim(case)
    url = reverse("cases:consent_add", kwargs={"case_id": case.pk})
    data = {
        "victim": victim.pk,
        "given_by": "victim",
        "recipients": [orgs[0].pk],
        "purposes": ["report"],
        "method": "recorded_verbal",
        "given_at": "2026-01-05T10:00",
    }
    client = client_for("specialist")
    assert client.post(url, data).status_code == 200
    assert not Consent.objects.exists()
    response = client.post(url, {**data, "expires_at": "2026-07-05T10:00"})
    consent = Consent.objects.get()
    assert response.status_code == 302
    assert list(consent.recipients.all()) == [orgs[0]]
    revoke = reverse("cases:consent_revoke", kwargs={"case_id": case.pk, "consent_id": consent.pk})
    client.post(revoke)
    consent.refresh_from_db()
    assert consent.revoked_at is not None


def test_report_of_a_minor_waits_for_the_supervisor_then_reaches_the_liaison(
    personas, client_for, case, orgs
) -> None:
    add_victim(case, age_group="minor")
    specialist, supervisor = client_for("specialist"), client_for("supervisor")
    url = reverse("cases:report_new", kwargs={"case_id": case.pk})
    assert orgs[0].name in specialist.get(url).content.decode()
    specialist.post(url, {"recipients": [orgs[0].pk], "exception": "minor", "reason": "15 years"})
    report = Report.objects.get()
    assert report.status == "awaiting_approval"
    assert client_for("liaison_a").get(reverse("cases:portal")).context["reports"] == []
    # A specialist cannot approve.
    approve = reverse("cases:report_approve", kwargs={"report_id": report.pk})
    assert specialist.post(approve).status_code == 403
    assert report.reference in supervisor.get(reverse("cases:supervisor")).content.decode()
    supervisor.post(approve)
    report.refresh_from_db()
    assert (report.status, report.basis, report.level) == ("sent", "minor", "full")
    case.refresh_from_db()
    assert case.status == "referred"
    portal = client_for("liaison_a").get(reverse("cases:portal"))
    assert list(portal.context["reports"]) == [report]


def test_refused_report_shows_why_and_sends_nothing(client_for, case, orgs) -> None:
    add_victim(case)
    response = client_for("specialist").post(
        reverse("cases:report_new", kwargs={"case_id": case.pk}),
        {"recipients": [orgs[0].pk], "redacted_summary": "Maria Lopez is at the motel."},
    )
    assert response.status_code == 200
    assert "identifies a person" in response.content.decode()
    assert not Report.objects.exists()


def test_supervisor_sees_the_access_history_of_a_case(personas, client_for, case, orgs) -> None:
    victim = add_victim(case)
    client_for("specialist").get(
        reverse("cases:victim", kwargs={"case_id": case.pk, "victim_id": victim.pk})
    )
    other = open_case(actor=personas["specialist"])
    client_for("specialist").get(reverse("cases:detail", kwargs={"case_id": other.pk}))
    page = client_for("supervisor").get(
        reverse("cases:access_history", kwargs={"case_id": case.pk})
    )
    shown = {(e.action, e.object_type, e.object_id) for e in page.context["events"]}
    assert ("case.create", "cases.case", str(case.pk)) in shown
    assert ("victim.view", "cases.victim", str(victim.pk)) in shown
    assert ("case.create", "cases.case", str(other.pk)) not in shown
    assert events("case.access_history", object_id=str(case.pk), actor=personas["supervisor"])
    specialist = client_for("specialist")
    url = reverse("cases:access_history", kwargs={"case_id": case.pk})
    assert specialist.get(url).status_code == 403


def test_the_access_history_reads_in_words(personas, client_for, case) -> None:
    victim = add_victim(case)
    client_for("specialist").get(
        reverse("cases:victim", kwargs={"case_id": case.pk, "victim_id": victim.pk})
    )
    set_status(case, CaseStatus.CLOSED, actor=personas["specialist"])
    page = client_for("supervisor").get(
        reverse("cases:access_history", kwargs={"case_id": case.pk})
    )
    body = page.content.decode()
    table = body[body.index('<table class="audit"') : body.index("</table>")]
    assert "Opened the case" in table and "Viewed a victim" in table
    assert f"case {case.reference}" in table
    assert "Open → Closed" in table
    for code in ["case.create", "victim.view", "cases.case", "cases.victim", "closed", "via="]:
        assert code not in table, code


def test_case_list_query_count(personas, client_for, django_assert_num_queries) -> None:
    open_case(actor=personas["specialist"])
    client = client_for("specialist")
    client.get(reverse("cases:list"))
    with django_assert_num_queries(10) as captured:
        client.get(reverse("cases:list"))
    for _ in range(5):
        open_case(actor=personas["supervisor"])
    with django_assert_num_queries(len(captured)):
        client.get(reverse("cases:list"))
