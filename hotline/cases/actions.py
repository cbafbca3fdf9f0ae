"""Every write to a case, victim, consent or report: one transaction each, with its audit events
(ids and codes only), alerts and emails. Sending goes through the consent gate."""

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from hotline.accounts.models import Role, User
from hotline.audit.actions import record
from hotline.cases import emails, gate
from hotline.cases.models import (
    AgencyLink,
    Case,
    CaseAlert,
    CaseContact,
    Consent,
    Note,
    Report,
    Snapshot,
    StatusChange,
    Victim,
)
from hotline.cases.vocabularies import CaseStatus, ReportOutcome, ReportStatus
from hotline.contacts import alerts
from hotline.contacts.models import Contact
from hotline.directory.models import Organization


def _reference(case: Case) -> str:
    return f"CS-{timezone.localtime(case.opened_at).year}-{case.pk:06d}"


def open_case(*, actor: User, contact: Contact | None = None, **facts: Any) -> Case:
    """Open a case, optionally from a contact, assigned to whoever opens it."""
    with transaction.atomic():
        case = Case(opened_by=actor, assigned_to=actor, **facts)
        if contact is not None and not facts:
            case.city, case.state = contact.city, contact.state
        case.save(force_insert=True)
        case.reference = _reference(case)
        case.save(update_fields=["reference"])
        StatusChange.objects.create(case=case, old="", new=case.status, by=actor)
        record("case.create", actor=actor, obj=case, detail={"status": case.status})
        if contact is not None:
            attach_contact(case, contact, actor=actor)
    return case


def attach_contact(case: Case, contact: Contact, *, actor: User) -> CaseContact:
    with transaction.atomic():
        link = CaseContact.objects.create(case=case, contact=contact, attached_by=actor)
        record("case.attach_contact", actor=actor, obj=case, detail={"contact": contact.pk})
    return link


def record_view(obj: Case | Victim | Consent | Report, actor: User, via: str = "console") -> None:
    """case.view, victim.view, consent.view or report.view."""
    record(f"{obj._meta.model_name}.view", actor=actor, obj=obj, detail={"via": via})


def update_case(case: Case, changed: Iterable[str], *, actor: User) -> Case:
    changed = sorted(set(changed))
    with transaction.atomic():
        case.save()
        record("case.update", actor=actor, obj=case, detail={"fields": ",".join(changed)})
    return case


def set_status(case: Case, status: str, *, actor: User) -> Case:
    with transaction.atomic():
        old = Case.objects.select_for_update().values_list("status", flat=True).get(pk=case.pk)
        if old == status:
            return case
        case.status = status
        case.save(update_fields=["status", "updated_at"])
        StatusChange.objects.create(case=case, old=old, new=status, by=actor)
        record("case.status", actor=actor, obj=case, detail={"old": old, "new": status})
    return case


def add_note(case: Case, text: str, *, actor: User) -> Note:
    with transaction.atomic():
        note = Note.objects.create(case=case, text=text, author=actor)
        record("case.note", actor=actor, obj=case, detail={"note": note.pk})
    return note


def supervisors_on_duty() -> list[User]:
    return alerts.supervisors_on_duty()


def mark_alerts_read(user: User) -> int:
    """Marks every unread case alert of `user` read; returns how many."""
    return CaseAlert.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def decide_potential(case: Case, potential: bool, *, actor: User, reasons: Iterable[str]) -> Case:
    """The specialist's decision on the suggestion. Marking a case potential trafficking alerts
    the supervisors on duty (in the console and by an email that names only the reference)."""
    with transaction.atomic():
        was = Case.objects.select_for_update().values_list("potential_trafficking", flat=True)
        before = was.get(pk=case.pk)
        case.potential_trafficking = potential
        case.potential_decided_by = actor
        case.potential_decided_at = timezone.now()
        case.save(
            update_fields=[
                "potential_trafficking",
                "potential_decided_by",
                "potential_decided_at",
                "updated_at",
            ]
        )
        record(
            "case.potential",
            actor=actor,
            obj=case,
            detail={"potential": potential, "reasons": ",".join(sorted(reasons))},
        )
        if potential and before is not True:
            supervisors = supervisors_on_duty()
            CaseAlert.objects.bulk_create(CaseAlert(user=u, case=case) for u in supervisors)
            record("case.alert", obj=case, detail={"supervisors": len(supervisors)})
            emails.case_alert.send(case.pk, [u.pk for u in supervisors])
    return case


def save_victim(victim: Victim, changed: Iterable[str], *, actor: User) -> Victim:
    with transaction.atomic():
        creating = victim.pk is None
        victim.save()
        record(
            "victim.create" if creating else "victim.update",
            actor=actor,
            obj=victim,
            detail={"case": victim.case_id, "fields": ",".join(sorted(set(changed)))},
        )
    return victim


def record_consent(consent: Consent, recipients: Iterable[Organization], *, actor: User) -> Consent:
    with transaction.atomic():
        consent.recorded_by = actor
        consent.save(force_insert=True)
        consent.recipients.set(list(recipients))
        record(
            "consent.create",
            actor=actor,
            obj=consent,
            detail={
                "case": consent.case_id,
                "victim": consent.victim_id,
                "given_by": consent.given_by,
                "method": consent.method,
                "purposes": ",".join(sorted(consent.purposes)),
                "recipients": consent.recipients.count(),
            },
        )
    return consent


def revoke_consent(consent: Consent, *, actor: User) -> Consent:
    """Revocation stops every future sharing: the gate no longer counts the consent, reports
    waiting for approval are re-decided when approved. Reports already sent stay as sent."""
    with transaction.atomic():
        locked = Consent.objects.select_for_update().get(pk=consent.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.revoked_by = actor
            locked.save(update_fields=["revoked_at", "revoked_by"])
            record("consent.revoke", actor=actor, obj=locked, detail={"case": locked.case_id})
    return locked


# --- Reports ------------------------------------------------------------------------------------


def request_report(
    case: Case,
    recipient: Organization,
    *,
    actor: User,
    exception: str = "",
    reason: str = "",
    redacted_summary: str = "",
    deidentified_only: bool = False,
) -> Report:
    """Ask for a report to one recipient. The gate decides; a report that needs a supervisor's
    approval waits for it, any other is sent at once. Raises gate.GateRefused."""
    if found := gate.identifying_part(redacted_summary, case):
        raise gate.GateRefused("summary_identifies", found)
    with transaction.atomic():
        decision = gate.decide(
            case,
            recipient.pk,
            at=timezone.now(),
            exception=exception,
            reason=reason,
            deidentified_only=deidentified_only,
        )
        report = Report.objects.create(
            case=case,
            recipient=recipient,
            status=ReportStatus.AWAITING_APPROVAL,
            exception=exception if decision.basis == exception else "",
            exception_reason=reason if decision.basis == exception else "",
            redacted_summary=redacted_summary,
            requested_by=actor,
            level=decision.level,
            basis=decision.basis,
        )
        record(
            "report.request",
            actor=actor,
            obj=report,
            detail={
                "case": case.pk,
                "recipient": str(recipient.pk),
                "level": decision.level,
                "basis": decision.basis,
                "needs_approval": decision.needs_approval,
            },
        )
        if not decision.needs_approval:
            send_report(report, actor=actor)
            report.refresh_from_db()
    return report


def request_reports(
    case: Case,
    recipients: Iterable[Organization],
    *,
    actor: User,
    exception: str = "",
    reason: str = "",
    redacted_summary: str = "",
    deidentified_only: bool = False,
) -> list[Report]:
    """One report to each recipient, all in one transaction: when the gate refuses one, none is
    made (the specialist corrects the request and sends it again). Raises gate.GateRefused."""
    with transaction.atomic():
        return [
            request_report(
                case,
                recipient,
                actor=actor,
                exception=exception,
                reason=reason,
                redacted_summary=redacted_summary,
                deidentified_only=deidentified_only,
            )
            for recipient in recipients
        ]


def approve_report(report: Report, *, actor: User) -> Report:
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        if locked.status != ReportStatus.AWAITING_APPROVAL:
            raise gate.GateRefused("already_decided")
        locked.approved_by = actor
        locked.decided_at = timezone.now()
        locked.save(update_fields=["approved_by", "decided_at"])
        record("report.approve", actor=actor, obj=locked, detail={"case": locked.case_id})
        send_report(locked, actor=actor)
    return locked


def decline_report(report: Report, *, actor: User) -> Report:
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        if locked.status != ReportStatus.AWAITING_APPROVAL:
            raise gate.GateRefused("already_decided")
        locked.status = ReportStatus.DECLINED
        locked.approved_by = None
        locked.decided_at = timezone.now()
        locked.save(update_fields=["status", "approved_by", "decided_at"])
        record("report.decline", actor=actor, obj=locked, detail={"case": locked.case_id})
    return locked


def send_report(report: Report, *, actor: User) -> Snapshot:
    """Decide again now (a consent may have been revoked or have expired since the request),
    refuse a full report that needs an approval it does not have, then store the exact payload
    as an immutable snapshot and deliver it to the recipient agency's portal."""
    with transaction.atomic():
        report = (
            Report.objects.select_for_update().select_related("case", "recipient").get(pk=report.pk)
        )
        if report.status != ReportStatus.AWAITING_APPROVAL:
            raise gate.GateRefused("already_decided")
        now = timezone.now()
        decision = gate.decide(
            report.case,
            report.recipient_id,
            at=now,
            exception=report.exception,
            reason=report.exception_reason,
            deidentified_only=report.basis == "deidentified" and not report.exception,
        )
        if decision.needs_approval and report.approved_by_id is None:
            raise gate.GateRefused("approval_required")
        payload = gate.canonical(gate.build_payload(report.case, report, decision, at=now))
        snapshot = Snapshot(
            report=report,
            payload=payload,
            level=decision.level,
            basis=decision.basis,
            consent_ids=list(decision.consent_ids),
            created_at=now,
        )
        snapshot.save(force_insert=True)
        link = AgencyLink.objects.filter(organization_id=report.recipient_id).first()
        report.status = ReportStatus.SENT
        report.sent_at = now
        report.level, report.basis = decision.level, decision.basis
        report.delivered_to_portal = link is not None
        # Recorded now: who may read it must not change when the link changes later.
        report.agency_id = link.agency_id if link is not None else None
        report.save(
            update_fields=["status", "sent_at", "level", "basis", "delivered_to_portal", "agency"]
        )
        record(
            "report.send",
            actor=actor,
            obj=report,
            detail={
                "case": report.case_id,
                "recipient": str(report.recipient_id),
                "level": decision.level,
                "basis": decision.basis,
                "consents": ",".join(str(i) for i in decision.consent_ids),
                "approved_by": report.approved_by_id,
                "sha256": snapshot.sha256,
                "portal": link is not None,
            },
        )
        if report.case.status in (CaseStatus.OPEN, CaseStatus.MONITORING):
            set_status(report.case, CaseStatus.REFERRED, actor=actor)
        if report.agency_id is not None:
            emails.report_waiting.send(report.agency_id)
    return snapshot


def liaisons_of(agency_id: int) -> list[User]:
    return list(User.objects.filter(role=Role.LIAISON, agency_id=agency_id, is_active=True))


def acknowledge(report: Report, *, actor: User) -> Report:
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        if locked.acknowledged_at is None:
            locked.acknowledged_at = timezone.now()
            locked.acknowledged_by = actor
            locked.save(update_fields=["acknowledged_at", "acknowledged_by"])
            record("report.acknowledge", actor=actor, obj=locked, detail={"case": locked.case_id})
    return locked


def record_outcome(report: Report, outcome: str, *, actor: User) -> Report:
    if outcome not in ReportOutcome.values:
        raise ValueError(outcome)
    with transaction.atomic():
        locked = Report.objects.select_for_update().get(pk=report.pk)
        locked.outcome = outcome
        locked.outcome_at = timezone.now()
        locked.outcome_by = actor
        if locked.acknowledged_at is None:
            locked.acknowledged_at, locked.acknowledged_by = locked.outcome_at, actor
            record("report.acknowledge", actor=actor, obj=locked, detail={"case": locked.case_id})
        locked.save(
            update_fields=[
                "outcome",
                "outcome_at",
                "outcome_by",
                "acknowledged_at",
                "acknowledged_by",
            ]
        )
        record(
            "report.outcome",
            actor=actor,
            obj=locked,
            detail={"case": locked.case_id, "outcome": outcome},
        )
    return locked


class NotAwaitingDelivery(Exception):
    """The report is not (or no longer) waiting to be delivered by phone."""


def mark_delivered(report: Report, *, actor: User, note: str = "") -> Report:
    """A specialist says they delivered a report by phone to a recipient with no portal: who and
    when, once."""
    with transaction.atomic():
        locked = Report.objects.awaiting_delivery().select_for_update().filter(pk=report.pk).first()
        if locked is None:
            raise NotAwaitingDelivery(report.pk)
        locked.delivered_at = timezone.now()
        locked.delivered_by = actor
        locked.delivery_note = note.strip()[:300]
        locked.save(update_fields=["delivered_at", "delivered_by", "delivery_note"])
        record(
            "report.deliver",
            actor=actor,
            obj=locked,
            detail={"case": locked.case_id, "by": "phone"},
        )
    return locked
