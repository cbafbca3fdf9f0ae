"""Every write to a contact: one transaction each, with its audit event, notifications and
background tasks. Audit details hold ids and codes only, never what a caller said."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.accounts.models import User
from hotline.audit.actions import record
from hotline.contacts import alerts
from hotline.contacts.models import (
    NOTE_MAX_LENGTH,
    Assignment,
    Contact,
    Duty,
    FollowUpChange,
    Note,
    Notification,
    NotificationKind,
    ReferenceCounter,
    Referral,
    RequestType,
    SharedResource,
    Status,
    StatusChange,
    Urgency,
)
from hotline.directory.models import Service
from hotline.hours import policy as sla
from hotline.library.models import Resource

REFERENCE_PREFIX = "HT"
# Fields a specialist or an integration may set when a contact is received or edited.
TRIAGE_FIELDS = {"urgency", "request_types"}


def next_reference(year: int) -> str:
    """HT-2026-000123: the year's next number, never given twice."""
    return f"{REFERENCE_PREFIX}-{year}-{ReferenceCounter.objects.next(year):06d}"


def normalize_triage(contact: Contact) -> None:
    """A crisis is urgent by definition (DOMAIN.md); request types are unique and sorted."""
    contact.request_types = sorted(set(contact.request_types or []))
    if RequestType.CRISIS in contact.request_types:
        contact.urgency = Urgency.URGENT


def apply_policy(contact: Contact, *, intake: bool) -> None:
    """Choose the SLA policy and compute the deadlines from the moment the contact arrived, so
    that a reclassification re-computes them at once. On intake the policy may set the status
    (a message taken after hours) and acknowledge automatically."""
    chosen = sla.choose(
        contact.urgency, contact.request_types, contact.received_at, contact.channel
    )
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


def triage(contact: Contact) -> None:
    """Urgency, request types, policy and deadlines of a contact being received. Reads only
    the SLA policies, kept per process: done before the write transaction, so that on SQLite
    other writers do not wait for it (a caller already inside a transaction may call it first)."""
    contact.received_at = contact.received_at or timezone.now()
    normalize_triage(contact)
    apply_policy(contact, intake=True)


def receive(
    contact: Contact,
    *,
    actor: User | None = None,
    referrals: Iterable[Service] = (),
) -> Contact:
    """Record a new contact from any channel: reference, triage, deadlines, audit, alerts."""
    triage(contact)
    if actor is not None and contact.status not in (Status.NEW, Status.MESSAGE_TAKEN):
        # Recorded by a person as already under way (a call answered live): they are answering
        # it, and that is its first response.
        contact.assigned_to = contact.assigned_to or actor
        contact.first_response_at = contact.first_response_at or timezone.now()
    with transaction.atomic(savepoint=False):
        contact.reference = next_reference(timezone.localtime(contact.received_at).year)
        if actor is not None and actor.is_authenticated:
            contact.created_by = actor
        contact.save(force_insert=True)
        by = actor if actor is not None and actor.is_authenticated else None
        StatusChange.objects.create(contact=contact, old="", new=contact.status, by=by)
        if contact.assigned_to_id is not None:
            Assignment.objects.create(contact=contact, assignee_id=contact.assigned_to_id, by=by)
        if contact.follow_up_needed and contact.follow_up_on:
            FollowUpChange.objects.create(contact=contact, due=contact.follow_up_on, by=by)
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
            alerts.alert_crisis(contact)
    return contact


def record_view(contact: Contact, actor: User, via: str = "console") -> None:
    record("contact.view", actor=actor, obj=contact, detail={"via": via})


def update(contact: Contact, changed: Iterable[str], *, actor: User) -> Contact:
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
            if contact.is_crisis and not before.is_crisis:
                alerts.alert_crisis(contact)
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
        _record_history(contact, before, actor)
        record(
            "contact.update",
            actor=actor,
            obj=contact,
            detail={"fields": ",".join(sorted(changed)), "status": contact.status},
        )
    return contact


def _record_history(contact: Contact, before: Contact, actor: User) -> None:
    """The timeline's rows for what an edit changed: the status and the follow-up."""
    if contact.status != before.status:
        StatusChange.objects.create(
            contact=contact, old=before.status, new=contact.status, by=actor
        )
    planned = contact.follow_up_on if contact.follow_up_needed else None
    was_planned = before.follow_up_on if before.follow_up_needed else None
    if planned != was_planned:
        FollowUpChange.objects.create(contact=contact, due=planned, by=actor)


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
    elif contact.status in pauses and not contact.sla_paused_since:
        contact.sla_paused_since = now
    if contact.status != Status.NEW and contact.first_response_at is None:
        contact.first_response_at = now
    if contact.status == Status.CLOSED:
        contact.closed_at = now
    elif old == Status.CLOSED:
        contact.closed_at = None


def set_status(contact: Contact, status: str, *, actor: User) -> Contact:
    contact.status = status
    return update(contact, ["status"], actor=actor)


# What claiming may change (_status_changed included).
CLAIM_FIELDS = [
    "assigned_to",
    "first_response_at",
    "status",
    "sla_paused_since",
    "sla_paused_minutes",
    "first_response_due",
    "resolution_due",
]


def claim(contact: Contact, *, actor: User) -> Contact:
    """The actor takes the contact and answers it: that is its first response, whatever its
    status said; a new contact or a message taken is now in progress."""
    with transaction.atomic():
        locked = Contact.objects.select_for_update().get(pk=contact.pk)
        previous_assignee = locked.assigned_to_id
        locked.assigned_to = actor
        locked.first_response_at = locked.first_response_at or timezone.now()
        if locked.status in (Status.NEW, Status.MESSAGE_TAKEN):
            old, locked.status = locked.status, Status.IN_PROGRESS
            _status_changed(locked, old)
            StatusChange.objects.create(contact=locked, old=old, new=locked.status, by=actor)
        if previous_assignee != actor.pk:
            Assignment.objects.create(contact=locked, assignee=actor, by=actor)
        locked.save(update_fields=[*CLAIM_FIELDS, "updated_at"])
        record("contact.claim", actor=actor, obj=locked, detail={"assignee": actor.pk})
    return locked


def respond(contact: Contact, *, actor: User) -> bool:
    """The actor answered the person by another way than claiming (a text sent from the
    console): that is the contact's first response if it had none. Whether it was the first.
    Inside the caller's transaction; the caller audits what it sent."""
    with transaction.atomic():
        now = timezone.now()
        first = bool(
            Contact.objects.filter(pk=contact.pk, first_response_at__isnull=True).update(
                first_response_at=now, updated_at=now
            )
        )
        if first:
            contact.first_response_at = now
            record("contact.respond", actor=actor, obj=contact, detail={"first": True})
    return first


def add_note(contact: Contact, text: str, *, actor: User) -> Note:
    """Add a note to the contact. Notes are never edited or deleted: a correction is a new note.
    The audit event names the note, never its text (what a person wrote)."""
    text = text.strip()
    if not text:
        raise ValidationError(_("Write the note before adding it."), code="required")
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError(
            _("A note can be at most %(limit)d characters; this one has %(length)d.")
            % {"limit": NOTE_MAX_LENGTH, "length": len(text)},
            code="max_length",
        )
    with transaction.atomic():
        note = Note.objects.create(contact=contact, text=text, author=actor)
        record("contact.note", actor=actor, obj=contact, detail={"note": note.pk})
    return note


def refer(contact: Contact, service: Service, *, actor: User | None) -> Referral:
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


def share(contact: Contact, resource: Resource, *, actor: User) -> SharedResource:
    with transaction.atomic():
        shared, created = SharedResource.objects.get_or_create(
            contact=contact, resource=resource, defaults={"shared_by": actor}
        )
        if created:
            record("contact.share", actor=actor, obj=contact, detail={"resource": resource.pk})
    return shared


def mark_notifications_read(user: User) -> int:
    """Marks every unread notification of `user` read; returns how many."""
    with transaction.atomic():
        read = Notification.objects.filter(user=user).unread().update(read_at=timezone.now())
        record("notification.read_all", actor=user, detail={"count": read})
    return read


def set_duty(user: User, on_duty: bool) -> None:
    with transaction.atomic():
        Duty.objects.update_or_create(
            user=user, defaults={"on_duty": on_duty, "changed_at": timezone.now()}
        )
        record("contacts.duty", actor=user, obj=user, detail={"on_duty": on_duty})


def caller_phone_learned(contact: Contact, phone: str, *, actor: User | None = None) -> bool:
    """A channel learned the caller's number after it made the contact (a phone system's news
    of a call, in another order than it happened): the contact gets it if it has none. Whether
    it did. Inside the caller's transaction."""
    if contact.caller_phone or not phone:
        return False
    contact.caller_phone = phone
    contact.save(update_fields=["caller_phone", "updated_at"])
    record("contact.update", actor=actor, obj=contact, detail={"fields": "caller_phone"})
    return True


def message_received(contact: Contact) -> Notification | None:
    """A channel has added a message to an existing contact: its assignee is told in the console
    (no email: the message itself is personal data, and a reference alone tells them little
    more than the console does). Nobody assigned: the queue shows it to everyone already.
    Runs inside the channel's transaction."""
    if contact.assigned_to_id is None:
        return None
    return Notification.objects.create(
        user_id=contact.assigned_to_id, kind=NotificationKind.MESSAGE, contact=contact
    )
