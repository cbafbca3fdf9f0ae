"""Every path through the consent gate, through the actions the console uses."""

import datetime as dt
import hashlib
import json

import pytest
from django.utils import timezone

from hotline.audit.models import AuditEvent
from hotline.cases import gate
from hotline.cases.actions import (
    approve_report,
    decline_report,
    request_report,
    request_reports,
    revoke_consent,
    send_report,
)
from hotline.cases.models import ImmutableError, Report, ReportingPolicy, Snapshot
from hotline.cases.tests.conftest import add_victim, give_consent

PERSONAL = [
    "Maria Lopez",
    "217-555-0199",
    "maria.lopez@example.org",
    "12 Hidden Lane",
    "bluebird",
    "1999-04-17",
    "Sunset Motel",
    "62701",
    "Tony",
]

pytestmark = pytest.mark.django_db


def payload(report: Report) -> dict:
    return json.loads(Snapshot.objects.get(report=report).payload)


def assert_deidentified(report: Report) -> None:
    text = Snapshot.objects.get(report=report).payload
    for secret in PERSONAL:
        assert secret.casefold() not in text.casefold(), secret
    assert report.level == "deidentified" and report.basis == "deidentified"


def test_valid_consent_covering_the_recipient_sends_the_full_report(personas, case, orgs) -> None:
    org_a, _ = orgs
    victim = add_victim(case)
    consent = give_consent(victim, [org_a])
    report = request_report(case, org_a, actor=personas["specialist"])
    report.refresh_from_db()
    assert (report.status, report.level, report.basis) == ("sent", "full", "consent")
    data = payload(report)
    assert data["victims"][0]["name"] == "Maria Lopez"
    assert data["situation"]["location"]["address"] == "12 Hidden Lane, Apt 4"
    assert data["consents"] == [consent.pk]
    assert Snapshot.objects.get(report=report).consent_ids == [consent.pk]
    sent = AuditEvent.objects.get(action="report.send", object_id=str(report.pk))
    assert sent.detail["basis"] == "consent" and sent.detail["consents"] == str(consent.pk)
    assert "Maria" not in json.dumps(sent.detail)


def test_the_code_word_never_leaves_unless_the_policy_shares_it(personas, case, orgs) -> None:
    from hotline.cases.models import ReportingPolicy

    org_a, _ = orgs
    give_consent(add_victim(case), [org_a])
    full = payload(request_report(case, org_a, actor=personas["specialist"]))
    assert full["level"] == "full" and "code_word" not in full["victims"][0]
    assert "bluebird" not in json.dumps(full)
    policy = ReportingPolicy.current()
    policy.share_code_word = True
    policy.save()
    shared = payload(request_report(case, org_a, actor=personas["specialist"]))
    assert shared["victims"][0]["code_word"] == "bluebird"


def test_expired_consent_gives_a_deidentified_report(personas, case, orgs) -> None:
    org_a, _ = orgs
    give_consent(add_victim(case), [org_a], days=10, given_days_ago=11)
    report = request_report(case, org_a, actor=personas["specialist"])
    report.refresh_from_db()
    assert report.status == "sent"
    assert_deidentified(report)


def test_revoked_consent_gives_a_deidentified_report(personas, case, orgs) -> None:
    org_a, _ = orgs
    consent = give_consent(add_victim(case), [org_a])
    revoke_consent(consent, actor=personas["specialist"])
    report = request_report(case, org_a, actor=personas["specialist"])
    report.refresh_from_db()
    assert_deidentified(report)
    assert AuditEvent.objects.filter(action="consent.revoke", object_id=str(consent.pk)).exists()


def test_consent_for_another_recipient_does_not_cover_this_one(personas, case, orgs) -> None:
    org_a, org_b = orgs
    give_consent(add_victim(case), [org_a])
    report_b = request_report(case, org_b, actor=personas["specialist"])
    report_b.refresh_from_db()
    assert_deidentified(report_b)


def test_consent_for_another_purpose_does_not_cover_reporting(personas, case, orgs) -> None:
    org_a, _ = orgs
    give_consent(add_victim(case), [org_a], purposes=["services"])
    report = request_report(case, org_a, actor=personas["specialist"])
    report.refresh_from_db()
    assert_deidentified(report)


def test_unemancipated_minor_needs_a_guardians_consent_too(personas, case, orgs) -> None:
    org_a, org_b = orgs
    minor = add_victim(case, age_group="minor")
    give_consent(minor, [org_a, org_b])
    only_minor = request_report(case, org_a, actor=personas["specialist"])
    only_minor.refresh_from_db()
    assert_deidentified(only_minor)
    give_consent(minor, [org_b], given_by="guardian")
    both = request_report(case, org_b, actor=personas["specialist"])
    both.refresh_from_db()
    assert (both.level, both.basis) == ("full", "consent")


def test_every_victim_must_have_consented_for_a_full_report(personas, case, orgs) -> None:
    org_a, _ = orgs
    give_consent(add_victim(case), [org_a])
    add_victim(case, name="Second Person")
    report = request_report(case, org_a, actor=personas["specialist"])
    report.refresh_from_db()
    assert report.level == "deidentified"


def test_minor_without_supervisor_approval_is_refused(personas, case, orgs) -> None:
    org_a, _ = orgs
    add_victim(case, age_group="minor")
    report = request_report(
        case, org_a, actor=personas["specialist"], exception="minor", reason="Child at risk"
    )
    assert report.status == "awaiting_approval"
    assert not Snapshot.objects.filter(report=report).exists()
    with pytest.raises(gate.GateRefused) as refused:
        send_report(report, actor=personas["specialist"])
    assert refused.value.code == "approval_required"
    report.refresh_from_db()
    assert report.status == "awaiting_approval" and report.sent_at is None
    assert not Snapshot.objects.exists()


def test_declined_exception_sends_nothing(personas, case, orgs) -> None:
    org_a, _ = orgs
    add_victim(case, age_group="minor")
    report = request_report(
        case, org_a, actor=personas["specialist"], exception="minor", reason="Child at risk"
    )
    decline_report(report, actor=personas["supervisor"])
    report.refresh_from_db()
    assert report.status == "declined" and not Snapshot.objects.exists()
    with pytest.raises(gate.GateRefused):
        approve_report(report, actor=personas["supervisor"])


def test_imminent_danger_with_approval_is_sent_with_its_basis(personas, case, orgs) -> None:
    org_a, _ = orgs
    case.imminent_danger = True
    case.save()
    add_victim(case)
    report = request_report(
        case,
        org_a,
        actor=personas["specialist"],
        exception="imminent_danger",
        reason="Threatened with a weapon tonight",
    )
    assert report.status == "awaiting_approval"
    approve_report(report, actor=personas["supervisor"])
    report.refresh_from_db()
    assert (report.status, report.level, report.basis) == ("sent", "full", "imminent_danger")
    assert report.approved_by == personas["supervisor"]
    assert report.exception_reason == "Threatened with a weapon tonight"
    snapshot = Snapshot.objects.get(report=report)
    assert snapshot.basis == "imminent_danger"
    assert snapshot.sha256 == hashlib.sha256(snapshot.payload.encode()).hexdigest()
    assert payload(report)["victims"][0]["phone"] == "217-555-0199"
    sent = AuditEvent.objects.get(action="report.send", object_id=str(report.pk))
    assert sent.detail["basis"] == "imminent_danger"
    assert sent.detail["approved_by"] == personas["supervisor"].pk
    assert sent.detail["sha256"] == snapshot.sha256
    assert AuditEvent.objects.filter(action="report.approve", object_id=str(report.pk)).exists()


@pytest.mark.parametrize(
    ("exception", "reason", "code"),
    [
        ("minor", "A reason", "exception_not_applicable"),  # no minor on the case
        ("imminent_danger", "A reason", "exception_not_applicable"),  # no danger recorded
    ],
)
def test_an_exception_that_does_not_apply_is_refused(
    personas, case, orgs, exception, reason, code
) -> None:
    add_victim(case)
    with pytest.raises(gate.GateRefused) as refused:
        request_report(
            case, orgs[0], actor=personas["specialist"], exception=exception, reason=reason
        )
    assert refused.value.code == code
    assert not Report.objects.exists()


def test_reports_to_several_agencies_are_all_or_nothing(personas, case, orgs) -> None:
    """Consent covers the first agency (a full report, sent at once); the exception invoked for
    the second does not apply, so neither report is made, sent or audited."""
    org_a, org_b = orgs
    give_consent(add_victim(case), [org_a])
    with pytest.raises(gate.GateRefused) as refused:
        request_reports(
            case, [org_a, org_b], actor=personas["specialist"], exception="minor", reason="r"
        )
    assert refused.value.code == "exception_not_applicable"
    assert not Report.objects.exists()
    assert not Snapshot.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="report.").exists()
    made = request_reports(case, [org_a], actor=personas["specialist"])
    assert [(r.recipient_id, r.status, r.level) for r in made] == [(org_a.pk, "sent", "full")]


def test_an_exception_needs_a_documented_reason(personas, case, orgs) -> None:
    add_victim(case, age_group="minor")
    with pytest.raises(gate.GateRefused) as refused:
        request_report(case, orgs[0], actor=personas["specialist"], exception="minor", reason=" ")
    assert refused.value.code == "reason_missing"
    assert not Report.objects.exists()


def test_policy_can_disallow_the_imminent_danger_path(personas, case, orgs) -> None:
    ReportingPolicy.objects.filter(pk=1).update(allow_imminent_danger_exception=False)
    case.imminent_danger = True
    case.save()
    add_victim(case)
    with pytest.raises(gate.GateRefused) as refused:
        request_report(
            case, orgs[0], actor=personas["specialist"], exception="imminent_danger", reason="r"
        )
    assert refused.value.code == "exception_disallowed"


def test_policy_can_require_approval_even_with_consent(personas, case, orgs) -> None:
    ReportingPolicy.objects.filter(pk=1).update(require_approval_with_consent=True)
    give_consent(add_victim(case), [orgs[0]])
    report = request_report(case, orgs[0], actor=personas["specialist"])
    assert report.status == "awaiting_approval" and not Snapshot.objects.exists()
    approve_report(report, actor=personas["supervisor"])
    report.refresh_from_db()
    assert (report.level, report.basis) == ("full", "consent")


def test_consent_revoked_while_awaiting_approval_stops_the_full_report(
    personas, case, orgs
) -> None:
    ReportingPolicy.objects.filter(pk=1).update(require_approval_with_consent=True)
    consent = give_consent(add_victim(case), [orgs[0]])
    report = request_report(case, orgs[0], actor=personas["specialist"])
    revoke_consent(consent, actor=personas["specialist"])
    approve_report(report, actor=personas["supervisor"])
    report.refresh_from_db()
    assert_deidentified(report)


def test_policy_maximum_consent_age(personas, case, orgs) -> None:
    ReportingPolicy.objects.filter(pk=1).update(max_consent_age_days=30)
    give_consent(add_victim(case), [orgs[0]], days=365, given_days_ago=40)
    report = request_report(case, orgs[0], actor=personas["specialist"])
    report.refresh_from_db()
    assert report.level == "deidentified"


def test_deidentified_only_even_with_consent(personas, case, orgs) -> None:
    give_consent(add_victim(case), [orgs[0]])
    report = request_report(case, orgs[0], actor=personas["specialist"], deidentified_only=True)
    report.refresh_from_db()
    assert_deidentified(report)


def test_redacted_summary_goes_in_place_of_free_text(personas, case, orgs) -> None:
    add_victim(case)
    text = "A young woman is kept at a motel and is not allowed to leave."
    report = request_report(case, orgs[0], actor=personas["specialist"], redacted_summary=text)
    report.refresh_from_db()
    assert payload(report)["situation"]["redacted_summary"] == text
    assert_deidentified(report)


@pytest.mark.parametrize(
    "text",
    [
        "Maria is kept at a motel.",  # part of a name
        "Call 217 555 0199 after nine.",
        "Write to someone@example.net.",
        "Born 04/17/1999.",
        "Ask for BLUEBIRD.",  # the code word, any case
        "Near 12 hidden lane, apt 4.",
    ],
)
def test_a_redacted_summary_that_identifies_is_refused(personas, case, orgs, text) -> None:
    add_victim(case)
    with pytest.raises(gate.GateRefused) as refused:
        request_report(case, orgs[0], actor=personas["specialist"], redacted_summary=text)
    assert refused.value.code == "summary_identifies"
    assert refused.value.found.casefold() in text.casefold()
    assert f"“{refused.value.found}”" in refused.value.message
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "text",
    [
        "She baked banana bread for the others.",  # "Ana" inside a word is not the name
        "Kept at a motel near the lane behind the market.",  # an address's common words
        "Four workers, one of them under 18.",  # short numbers
    ],
)
def test_a_redacted_summary_that_names_nobody_is_sent(personas, case, orgs, text) -> None:
    add_victim(case, name="Ana Ruiz", alias="Ana")
    report = request_report(case, orgs[0], actor=personas["specialist"], redacted_summary=text)
    assert payload(report)["situation"]["redacted_summary"] == text


def test_snapshot_cannot_change(personas, case, orgs) -> None:
    report = request_report(case, orgs[0], actor=personas["specialist"])
    snapshot = Snapshot.objects.get(report=report)
    snapshot.payload = "{}"
    with pytest.raises(ImmutableError):
        snapshot.save()
    with pytest.raises(ImmutableError):
        Snapshot.objects.filter(pk=snapshot.pk).update(payload="{}")
    with pytest.raises(ImmutableError):
        Snapshot.objects.filter(pk=snapshot.pk).delete()


def test_the_gate_decides_at_the_moment_given(case, orgs) -> None:
    org_a, _ = orgs
    consent = give_consent(add_victim(case), [org_a], days=10, given_days_ago=1)
    now = timezone.now()
    assert gate.decide(case, org_a.pk, at=now).basis == "consent"
    later = gate.decide(case, org_a.pk, at=now + dt.timedelta(days=10))
    assert later.basis == "deidentified"
    assert later.gaps == (f"victim:{consent.victim_id}:victim:expired",)
