"""The liaison portal: each agency sees only its own reports, byte for byte as the gate decided;
another agency's report is 404 (as if it did not exist); emails carry no content."""

import html
import json

import pytest
from django.core import mail
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from conftest import send_queued_emails
from hotline.audit.models import AuditEvent
from hotline.cases import gate
from hotline.cases.actions import request_report
from hotline.cases.models import Report, Snapshot
from hotline.cases.tests.conftest import add_victim, give_consent

pytestmark = pytest.mark.django_db


@pytest.fixture(name="sent")
def sent_fixture(personas, case, orgs) -> tuple[Report, Report]:
    return sent(personas, case, orgs)


def sent(personas, case, orgs) -> tuple[Report, Report]:
    """A full report (consent) to agency A and a de-identified one to agency B."""
    org_a, org_b = orgs
    give_consent(add_victim(case), [org_a])
    return (
        request_report(case, org_a, actor=personas["specialist"]),
        request_report(case, org_b, actor=personas["specialist"]),
    )


def test_liaison_sees_only_their_agencys_reports(client_for, sent) -> None:
    to_a, to_b = sent
    page = client_for("liaison_a").get(reverse("cases:portal"))
    assert page.status_code == 200
    assert list(page.context["reports"]) == [to_a]
    assert to_b.reference not in page.content.decode()


@pytest.mark.parametrize("name", ["cases:portal_report", "cases:portal_payload"])
def test_liaison_cannot_see_other_agencys_report(client_for, sent, name) -> None:
    _, to_b = sent
    url = reverse(name, kwargs={"report_id": to_b.pk})
    assert client_for("liaison_a").get(url).status_code == 404
    # The same answer as for a report that does not exist: nothing to learn from it.
    missing = reverse(name, kwargs={"report_id": to_b.pk + 1000})
    assert client_for("liaison_a").get(missing).status_code == 404
    assert not AuditEvent.objects.filter(action="report.view", object_id=str(to_b.pk)).exists()


def test_liaison_cannot_acknowledge_or_record_outcome_for_another_agency(client_for, sent) -> None:
    _, to_b = sent
    client = client_for("liaison_a")
    ack = client.post(reverse("cases:portal_acknowledge", kwargs={"report_id": to_b.pk}))
    outcome = client.post(
        reverse("cases:portal_outcome", kwargs={"report_id": to_b.pk}),
        {"outcome": "no_action"},
    )
    assert (ack.status_code, outcome.status_code) == (404, 404)
    to_b.refresh_from_db()
    assert to_b.acknowledged_at is None and to_b.outcome == ""
    assert not AuditEvent.objects.filter(action__in=["report.acknowledge", "report.outcome"])


def test_reports_awaiting_approval_are_invisible_to_the_recipient(
    personas, client_for, case, orgs
) -> None:
    add_victim(case, age_group="minor")
    waiting = request_report(
        case, orgs[0], actor=personas["specialist"], exception="minor", reason="Child at risk"
    )
    client = client_for("liaison_a")
    assert client.get(reverse("cases:portal")).context["reports"] == []
    url = reverse("cases:portal_report", kwargs={"report_id": waiting.pk})
    assert client.get(url).status_code == 404


def test_snapshot_the_liaison_sees_is_what_the_gate_decided(personas, client_for, sent) -> None:
    to_a, _ = sent
    snapshot = Snapshot.objects.get(report=to_a)
    # What the gate decides for this case and recipient at the moment it was sent.
    decision = gate.decide(to_a.case, to_a.recipient_id, at=to_a.sent_at)
    expected = gate.canonical(gate.build_payload(to_a.case, to_a, decision, at=to_a.sent_at))
    response = client_for("liaison_a").get(
        reverse("cases:portal_payload", kwargs={"report_id": to_a.pk})
    )
    assert response.status_code == 200
    assert response.content == expected.encode() == snapshot.payload.encode()
    assert response["X-Content-SHA256"] == snapshot.sha256
    assert json.loads(response.content)["victims"][0]["name"] == "Maria Lopez"
    page = client_for("liaison_a").get(
        reverse("cases:portal_report", kwargs={"report_id": to_a.pk})
    )
    assert page.context["snapshot"].payload == expected


def test_acknowledgement_and_outcome_are_seen_on_the_case(personas, client_for, sent) -> None:
    to_a, _ = sent
    liaison = client_for("liaison_a")
    liaison.get(reverse("cases:portal_report", kwargs={"report_id": to_a.pk}))
    liaison.post(reverse("cases:portal_acknowledge", kwargs={"report_id": to_a.pk}))
    liaison.post(
        reverse("cases:portal_outcome", kwargs={"report_id": to_a.pk}),
        {"outcome": "investigation_opened"},
    )
    to_a.refresh_from_db()
    assert to_a.acknowledged_by == personas["liaison_a"]
    assert to_a.outcome == "investigation_opened"
    actions = list(
        AuditEvent.objects.filter(object_type="cases.report", object_id=str(to_a.pk))
        .order_by("seq")
        .values_list("action", "actor__username")
    )
    assert actions[-3:] == [
        ("report.view", "liaison_a"),
        ("report.acknowledge", "liaison_a"),
        ("report.outcome", "liaison_a"),
    ]
    page = client_for("specialist").get(reverse("cases:detail", kwargs={"case_id": to_a.case_id}))
    text = html.unescape(page.content.decode())
    assert "Investigation opened" in text and "In the agency's portal" in text
    assert page.context["reports"][0].acknowledged_at is not None


def test_portal_email_says_only_that_a_report_is_waiting(
    personas, case, orgs, django_capture_on_commit_callbacks
) -> None:
    liaison = personas["liaison_a"]
    liaison.email = "liaison-a@example.org"
    liaison.save()
    with django_capture_on_commit_callbacks(execute=True):
        sent(personas, case, orgs)
    # One email per agency, queued with the agency's id only; liaison B has no address.
    queued = DBTaskResult.objects.filter(task_path="hotline.lib.emails.deliver")
    assert sorted(row.args_kwargs["args"][1][0] for row in queued) == sorted(
        [liaison.agency_id, personas["liaison_b"].agency_id]
    )
    assert send_queued_emails() == 1
    (message,) = mail.outbox
    assert message.to == ["liaison-a@example.org"]
    assert message.subject == "A report is waiting in the portal"
    assert message.body == (
        "A report is waiting for your agency. Sign in to read it: "
        f"http://127.0.0.1:8000{reverse('cases:portal')}\n"
    )
    for secret in ["Maria", "Lopez", "555", "Hidden", "CS-", "RP-"]:
        assert secret not in str(message.subject) + str(message.body)


def test_staff_cannot_use_the_portal_and_liaisons_cannot_open_cases(client_for, sent) -> None:
    to_a, _ = sent
    url = reverse("cases:portal_report", kwargs={"report_id": to_a.pk})
    assert client_for("specialist").get(url).status_code == 403
    case_url = reverse("cases:detail", kwargs={"case_id": to_a.case_id})
    assert client_for("liaison_a").get(case_url).status_code == 403


def test_portal_list_query_count(client_for, personas, case, orgs, django_assert_num_queries):
    for _ in range(3):
        request_report(case, orgs[0], actor=personas["specialist"])
    client = client_for("liaison_a")
    client.get(reverse("cases:portal"))
    with django_assert_num_queries(10) as captured:
        client.get(reverse("cases:portal"))
    for _ in range(5):
        request_report(case, orgs[0], actor=personas["specialist"])
    with django_assert_num_queries(len(captured)):
        client.get(reverse("cases:portal"))
