"""Alerts about contacts: in-app notifications and emails to the people who must act.

A crisis alerts the supervisors on duty as it is received (`alert_crisis`, inside the contact's
transaction). Everything else here is time-driven and runs in the worker's periodic sweep
(`hotline.lib.sweep`, jobs listed in settings.SWEEP_JOBS), which finds due rows with a query and
claims each with a conditional update, so that two sweepers never alert twice and nothing is
kept in memory between runs:
- `mark_breaches`: a deadline passed: marked once, supervisors alerted;
- `warn_at_risk`: the nearest deadline is within the policy's warning time: the assignee (the
  supervisors on duty while nobody has claimed it) is told once per deadline;
- `realert_crisis`: a crisis contact nobody has claimed yet is alerted again every
  CRISIS_REALERT_MINUTES.
Emails say only that a contact is waiting, with its reference: no personal data by email.
"""

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hotline.accounts.models import Role, User
from hotline.audit.actions import record
from hotline.contacts import emails
from hotline.contacts.models import Contact, Notification, NotificationKind, Status
from hotline.hours.policy import active_policies

# At most this many contacts per job and sweep: a backlog is worked off over several sweeps
# instead of in one long pass.
BATCH = 200


def supervisors_on_duty() -> list[User]:
    """Supervisors marked on duty; every active supervisor when nobody is, so that an alert
    always reaches someone."""
    supervisors = User.objects.filter(role=Role.SUPERVISOR, is_active=True)
    on_duty = list(supervisors.filter(duty__on_duty=True))
    return on_duty or list(supervisors)


def _notify(contact: Contact, kind: str, users: Iterable[User]) -> None:
    """In the console at once; by email through the worker once the transaction commits."""
    users = list(users)
    Notification.objects.bulk_create(
        Notification(user=user, kind=kind, contact=contact) for user in users
    )
    emails.alert.send(contact.pk, kind, [u.pk for u in users])


def alert_crisis(contact: Contact) -> None:
    """The supervisors on duty, as the crisis contact is received (in its transaction)."""
    supervisors = supervisors_on_duty()
    _notify(contact, NotificationKind.CRISIS, supervisors)
    contact.crisis_alerted_at = timezone.now()
    Contact.objects.filter(pk=contact.pk).update(crisis_alerted_at=contact.crisis_alerted_at)
    record("contact.crisis_alert", obj=contact, detail={"supervisors": len(supervisors)})


def mark_breaches(now: dt.datetime) -> int:
    """Mark every open contact whose deadline has passed (once), and alert the supervisors."""
    late = Contact.objects.breached(now).filter(breached_at__isnull=True)
    # Each kind of lateness reads its own index of open contacts; the first BATCH ids of
    # the two together are among the first BATCH of each.
    halves = (Contact.objects.late_resolution(now), Contact.objects.late_first_response(now))
    found = {
        pk
        for half in halves
        for pk in half.filter(breached_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:BATCH]
    }
    marked = 0
    for pk in sorted(found)[:BATCH]:
        with transaction.atomic():
            if not late.filter(pk=pk).update(breached_at=now):
                continue  # another sweep marked it, or it was answered meanwhile
            contact = Contact.objects.get(pk=pk)
            supervisors = supervisors_on_duty()
            _notify(contact, NotificationKind.BREACH, supervisors)
            record("contact.breach", obj=contact, detail={"policy": contact.sla_policy_id})
            marked += 1
    return marked


def warn_at_risk(now: dt.datetime) -> int:
    """Tell the assignee (or, while nobody has claimed it, the supervisors on duty) once per
    deadline that a contact's nearest deadline is near."""
    longest = dt.timedelta(minutes=max_warning_minutes())
    soon = now + longest
    # As in mark_breaches: each deadline from its own index, the first BATCH ids of both.
    halves = (Contact.objects.late_resolution(soon), Contact.objects.late_first_response(soon))
    found = {
        contact.pk: contact
        for half in halves
        for contact in half.filter(breached_at__isnull=True)
        .select_related("sla_policy", "assigned_to")
        .order_by("pk")[:BATCH]
    }
    warned = 0
    for contact in [found[pk] for pk in sorted(found)[:BATCH]]:
        due = contact.next_due()
        if due is None or due <= now or contact.warned_for == due:
            continue
        if contact.sla_state(now) != "at_risk":
            continue
        with transaction.atomic():
            claimed = Contact.objects.filter(pk=contact.pk, warned_for=contact.warned_for)
            if not claimed.update(warned_for=due):
                continue
            assignee = contact.assigned_to
            users = [assignee] if assignee and assignee.is_active else supervisors_on_duty()
            _notify(contact, NotificationKind.AT_RISK, users)
            record("contact.at_risk", obj=contact, detail={"recipients": len(users)})
            warned += 1
    return warned


def realert_crisis(now: dt.datetime) -> int:
    """Alert the supervisors on duty again about every crisis contact that nobody has claimed
    CRISIS_REALERT_MINUTES after the last alert."""
    before = now - dt.timedelta(minutes=settings.CRISIS_REALERT_MINUTES)
    waiting = Contact.objects.filter(
        status=Status.NEW, assigned_to__isnull=True, crisis_alerted_at__lt=before
    )
    alerted = 0
    for pk, last in waiting.order_by("pk").values_list("pk", "crisis_alerted_at")[:BATCH]:
        with transaction.atomic():
            if not waiting.filter(pk=pk, crisis_alerted_at=last).update(crisis_alerted_at=now):
                continue
            contact = Contact.objects.get(pk=pk)
            supervisors = supervisors_on_duty()
            _notify(contact, NotificationKind.CRISIS, supervisors)
            record(
                "contact.crisis_alert",
                obj=contact,
                detail={"supervisors": len(supervisors), "again": True},
            )
            alerted += 1
    return alerted


def max_warning_minutes() -> int:
    return max((p.warning_minutes for p in active_policies()), default=60)
