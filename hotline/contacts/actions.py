"""Every write to a contact: one transaction each, with its audit event, notifications and
background tasks. Audit details hold ids and codes only, never what a caller said."""

import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from hotline.accounts.models import Role, User
from hotline.audit.actions import record
from hotline.contacts.models import (
    Contact,
    Duty,
    Notification,
    NotificationKind,
    ReferenceCounter,
    Referral,
    RequestType,
    SharedResource,
    Status,
    Urgency,
)
from hotline.hours import policy as sla
from hotline.lib.db import increment, insert

REFERENCE_PREFIX = "HT"
# Fields a specialist or an integration may set when a contact is received or edited.
TRIAGE_FIELDS = {"urgency", "request_types"}


def next_reference(year: int) -> str:
    """HT-2026-000123: the year's next number. The counter row stays locked until the contact's
    transaction ends, so numbers are never given twice."""
    (number,) = increment(ReferenceCounter, year, "last", read=["last"])
    return f"{REFERENCE_PREFIX}-{year}-{number:06d}"


def normalize_triage(contact: Contact) -> None:
    """A crisis is urgent by definition (DOMAIN.md); request types are unique and sorted."""
    contact.request_types = sorted(set(contact.request_types or []))
    if RequestType.CRISIS in contact.request_types:
        contact.urgency = Urgency.URGENT


def apply_policy(contact: Contact, *, intake: bool) -> None:
    """Choose the SLA policy and compute the deadlines from the moment the contact arrived, so
    that a reclassification re-computes them at once. On intake the policy may set the status
    (a message taken after hours) and acknowledge automatically."""
    chosen = sla.choose(contact.urgency, contact.request_types, contact.received_at)
    due = sla.deadlines(chosen, contact.received_at, contact.sla_paused_minutes)
    contact.sla_policy = chosen
    contact.first_response_due = due.first_response_due
    contact.resolution_due = due.resolution_due
    if contact.breached_at and contact.sla_state() != "breached":
        contact.breached_at = None
    if chosen is None:
        return
    if intake and chosen.intake_status and contact.status == Status.NEW:
        contact.status = chosen.intake_status
    if not intake and contact.status == Status.MESSAGE_TAKEN and not chosen.intake_status:
        # Reclassified to urgent work: it is no longer a message waiting for business hours.
        contact.status = Status.NEW
    if chosen.acknowledge and contact.acknowledged_at is None:
        contact.acknowledged_at = timezone.now()
        # The acknowledgement is the first response.
        contact.first_response_at = contact.first_response_at or contact.acknowledged_at


# A deadline is checked at the end of the window of this many seconds it falls in, by one task
# for every contact due in that window: a task row per window, not per contact and deadline.
DEADLINE_WINDOW_SECONDS = 10
# Windows whose check this process has queued, remembered once that transaction committed.
_queued_windows: set[int] = set()


def schedule_deadline_checks(contact: Contact) -> None:
    """Make sure a check runs just after each of the contact's deadlines (tasks.sweep_deadlines
    at the end of the deadline's window, within 10 seconds of it)."""
    from hotline.contacts.tasks import sweep_deadlines

    now = timezone.now().timestamp()
    for due in contact.deadlines():
        window = -(-int(due.timestamp()) // DEADLINE_WINDOW_SECONDS) * DEADLINE_WINDOW_SECONDS
        # A window that is over may have had its check already (a resumed clock can put a
        # deadline in the past): that one is queued again, to run at once.
        if window in _queued_windows and window > now:
            continue
        run_after = dt.datetime.fromtimestamp(window + 1, dt.UTC)
        sweep_deadlines.using(run_after=run_after).enqueue()
        transaction.on_commit(functools.partial(_remember_window, window))


def _remember_window(window: int) -> None:
    if len(_queued_windows) > 10_000:  # forget the windows that are over
        now = timezone.now().timestamp()
        _queued_windows.difference_update([w for w in _queued_windows if w < now])
    _queued_windows.add(window)


def forget_queued_windows() -> None:
    """For tests, whose rolled-back transactions take queued checks with them."""
    _queued_windows.clear()


def receive(
    contact: Contact,
    *,
    actor: Any = None,
    referrals: Iterable[Any] = (),
) -> Contact:
    """Record a new contact from any channel: reference, triage, deadlines, audit, alerts."""
    with transaction.atomic(savepoint=False):
        contact.received_at = contact.received_at or timezone.now()
        contact.reference = next_reference(timezone.localtime(contact.received_at).year)
        if actor is not None and actor.is_authenticated:
            contact.created_by = actor
        normalize_triage(contact)
        apply_policy(contact, intake=True)
        insert(contact)
        record(
            "contact.create",
            actor=actor,
            obj=contact,
            detail={
                "channel": contact.channel,
                "urgency": contact.urgency,
                "request_types": ",".join(contact.request_types),
                "status": contact.status,
                "policy": contact.sla_policy_id,
            },
        )
        for service in referrals:
            refer(contact, service, actor=actor)
        if contact.is_crisis:
            alert_crisis(contact)
        schedule_deadline_checks(contact)
    return contact


def record_view(contact: Contact, actor: Any, via: str = "console") -> None:
    record("contact.view", actor=actor, obj=contact, detail={"via": via})


def update(contact: Contact, changed: Iterable[str], *, actor: Any) -> Contact:
    """Save an edited contact (its fields already set): a status change starts or stops the
    pause of the clock; a change of urgency or request types re-computes the deadlines."""
    changed = set(changed)
    with transaction.atomic():
        before = Contact.objects.select_for_update().get(pk=contact.pk)
        normalize_triage(contact)
        if contact.status != before.status:
            _status_changed(contact, before.status)
        if changed & TRIAGE_FIELDS and (
            contact.urgency != before.urgency or contact.request_types != before.request_types
        ):
            apply_policy(contact, intake=False)
            schedule_deadline_checks(contact)
            if contact.is_crisis and not before.is_crisis:
                alert_crisis(contact)
            record(
                "contact.triage",
                actor=actor,
                obj=contact,
                detail={
                    "urgency": contact.urgency,
                    "request_types": ",".join(contact.request_types),
                    "policy": contact.sla_policy_id,
                },
            )
        contact.save()
        record(
            "contact.update",
            actor=actor,
            obj=contact,
            detail={"fields": ",".join(sorted(changed)), "status": contact.status},
        )
    return contact


def _status_changed(contact: Contact, old: str) -> None:
    now = timezone.now()
    policy = contact.sla_policy
    pauses = set(policy.pause_statuses) if policy else set()
    if contact.sla_paused_since and contact.status not in pauses and policy:
        contact.sla_paused_minutes += sla.paused_minutes(policy, contact.sla_paused_since, now)
        contact.sla_paused_since = None
        due = sla.deadlines(policy, contact.received_at, contact.sla_paused_minutes)
        contact.first_response_due = due.first_response_due
        contact.resolution_due = due.resolution_due
        schedule_deadline_checks(contact)
    elif contact.status in pauses and not contact.sla_paused_since:
        contact.sla_paused_since = now
    if contact.status != Status.NEW and contact.first_response_at is None:
        contact.first_response_at = now
    if contact.status == Status.CLOSED:
        contact.closed_at = now
    elif old == Status.CLOSED:
        contact.closed_at = None


def set_status(contact: Contact, status: str, *, actor: Any) -> Contact:
    contact.status = status
    return update(contact, ["status"], actor=actor)


def claim(contact: Contact, *, actor: Any) -> Contact:
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        locked.assigned_to = actor
        fields = ["assigned_to"]
        if locked.status in (Status.NEW, Status.MESSAGE_TAKEN):
            old = locked.status
            locked.status = Status.IN_PROGRESS
            _status_changed(locked, old)
            fields = [
                *fields,
                "status",
                "first_response_at",
                "sla_paused_since",
                "sla_paused_minutes",
                "first_response_due",
                "resolution_due",
            ]
        locked.save(update_fields=[*fields, "updated_at"])
        record("contact.claim", actor=actor, obj=locked, detail={"assignee": actor.pk})
    return locked


def refer(contact: Contact, service: Any, *, actor: Any) -> Referral:
    with transaction.atomic():
        referral, created = Referral.objects.get_or_create(
            contact=contact, service=service, defaults={"referred_by": actor}
        )
        if created:
            record(
                "contact.refer",
                actor=actor,
                obj=contact,
                detail={"service": str(service.pk)},
            )
    return referral


def share(contact: Contact, resource: Any, *, actor: Any) -> SharedResource:
    with transaction.atomic():
        shared, created = SharedResource.objects.get_or_create(
            contact=contact, resource=resource, defaults={"shared_by": actor}
        )
        if created:
            record("contact.share", actor=actor, obj=contact, detail={"resource": resource.pk})
    return shared


def supervisors_on_duty() -> list[User]:
    """Supervisors marked on duty; every active supervisor when nobody is, so that an alert
    always reaches someone."""
    supervisors = User.objects.filter(role=Role.SUPERVISOR, is_active=True)
    on_duty = list(supervisors.filter(duty__on_duty=True))
    return on_duty or list(supervisors)


def set_duty(user: User, on_duty: bool) -> None:
    with transaction.atomic():
        Duty.objects.update_or_create(
            user=user, defaults={"on_duty": on_duty, "changed_at": timezone.now()}
        )
        record("contacts.duty", actor=user, obj=user, detail={"on_duty": on_duty})


def _notify(contact: Contact, kind: str, users: list[User]) -> None:
    Notification.objects.bulk_create(
        Notification(user=user, kind=kind, contact=contact) for user in users
    )


def alert_crisis(contact: Contact) -> None:
    """In-app notification and email to the supervisors on duty, at once (the email goes out
    through the task queue, committed with the contact)."""
    from hotline.contacts.tasks import send_alert_email

    supervisors = supervisors_on_duty()
    _notify(contact, NotificationKind.CRISIS, supervisors)
    contact.crisis_alerted_at = timezone.now()
    Contact.objects.filter(pk=contact.pk).update(crisis_alerted_at=contact.crisis_alerted_at)
    record(
        "contact.crisis_alert",
        obj=contact,
        detail={"supervisors": len(supervisors)},
    )
    send_alert_email.enqueue(contact.pk, NotificationKind.CRISIS, [u.pk for u in supervisors])


def mark_breaches(now: dt.datetime | None = None, contact_ids: Iterable[int] | None = None) -> int:
    """Mark every open contact whose deadline has passed (once), and alert the supervisors."""
    from hotline.contacts.tasks import send_alert_email

    now = now or timezone.now()
    marked = 0
    candidates = Contact.objects.breached(now).filter(breached_at__isnull=True)
    if contact_ids is not None:
        candidates = candidates.filter(pk__in=list(contact_ids))
    for pk in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            contact = (
                Contact.objects.select_for_update()
                .breached(now)
                .filter(pk=pk, breached_at__isnull=True)
                .first()
            )
            if contact is None:
                continue
            contact.breached_at = now
            contact.save(update_fields=["breached_at"])
            supervisors = supervisors_on_duty()
            _notify(contact, NotificationKind.BREACH, supervisors)
            record("contact.breach", obj=contact, detail={"policy": contact.sla_policy_id})
            send_alert_email.enqueue(
                contact.pk, NotificationKind.BREACH, [u.pk for u in supervisors]
            )
            marked += 1
    return marked
