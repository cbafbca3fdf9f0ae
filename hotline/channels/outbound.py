"""Texts and emails to a person: the one send path for replies, referrals, resources and the
email acknowledgement (the email itself is composed in mail_outbound).

`send_text` checks the gate (is there a channel and a number, did the person text STOP, does the
safe-contact plan allow texting for this purpose) and, in the same transaction, stores the
message as pending and queues `deliver` for when the transaction commits. Nothing is sent from
the request: the worker sends it, so a slow or absent provider never holds a page.

Delivery claims the message with a conditional update that sets a lease (next_attempt_at a few
minutes ahead) before it calls the provider, so two workers, or a worker and the sweep, never
send one message twice; the HTTP call runs outside any transaction. A failure that may mend
(an outage, a timeout, a rate limit) keeps the message pending with a later next_attempt_at
(backoff doubling from 30 s to 30 min); after MAX_ATTEMPTS or MAX_AGE it fails for good. The
sweep job `send_due` picks up what is due: retries, and messages whose worker died holding the
lease. A message is always pending, sent (queued, sent, delivered, ...) or failed: never lost.

A message that waited may no longer be welcome: the gate's lasting checks (the channel is
active, the person has not texted STOP, the plan does not say texting is unsafe) run again at
delivery. The provider's status callbacks move the status on from there (inbound.py).
"""

import datetime as dt
import logging
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from hotline.accounts.models import User
from hotline.audit.actions import record
from hotline.channels import mail_outbound, providers
from hotline.channels.models import (
    Channel,
    Conversation,
    Correspondent,
    Direction,
    Kind,
    Message,
    MessageStatus,
    Purpose,
)
from hotline.contacts import actions as contact_actions
from hotline.contacts.models import Contact
from hotline.lib import lookup

logger = logging.getLogger(__name__)

MAX_LENGTH = 1600  # what Twilio accepts in one message (it splits it into segments)
MAX_EMAIL_LENGTH = 20_000  # an answer longer than this is a document, not an email
# What a person may send from the console; automatic replies are the inbound path's.
SENDABLE = {Purpose.REPLY, Purpose.REFERRAL, Purpose.RESOURCE}
# Sending someone a referral or a resource puts the hotline's name on their phone unasked: with
# no safe-contact plan recorded, the specialist must have asked first. A reply answers a text
# the person just sent from that phone.
ASK_FIRST = {Purpose.REFERRAL, Purpose.RESOURCE}

SEND_TIMEOUT = dt.timedelta(seconds=15)
# Longer than a send can take (the timeout, the database writes around it): a lease that ran
# out while its worker still waited on the provider would let the sweep send a second copy.
LEASE = dt.timedelta(minutes=2)
FIRST_BACKOFF = dt.timedelta(seconds=30)
MAX_BACKOFF = dt.timedelta(minutes=30)
MAX_ATTEMPTS = 12
MAX_AGE = dt.timedelta(hours=24)  # a reply a day late is no answer: fail it, visibly
SWEEP_BATCH = 50


class Refused(Exception):
    """The text may not be sent: `reason` in words for the specialist, `code` for the audit."""

    def __init__(self, reason: str, code: str) -> None:
        super().__init__(reason)
        self.reason, self.code = reason, code


@dataclass(frozen=True)
class _Route:
    """Where a message to the contact would go; `channel` and `address` empty when nowhere
    (and `conversation` then set when the contact's conversation is of another kind)."""

    channel: Channel | None
    conversation: Conversation | None
    correspondent: Correspondent | None
    address: str
    kind: str = Kind.SMS


def _route(contact: Contact, *, lock: bool, kind: str = Kind.SMS) -> _Route:
    """The contact's conversation if it has one; otherwise, for a text, the first active text
    channel and the contact's phone number, as a conversation started by `send_text` would be.
    An email goes only to an email conversation (the person wrote to us)."""
    conversation = (
        Conversation.objects.filter(contact_id=contact.pk)
        .select_related("channel", "correspondent")
        .first()
    )
    if conversation is not None and conversation.channel.kind != kind:
        return _Route(None, conversation, None, "", kind)
    if conversation is None and kind == Kind.EMAIL:
        return _Route(None, None, None, "", kind)
    if conversation is not None:
        current = conversation.correspondent
        if lock:
            # Serialises with an inbound STOP from the same number (inbound.take locks it too).
            current = Correspondent.objects.select_for_update().get(pk=current.pk)
        return _Route(conversation.channel, conversation, current, current.address, kind)
    channel = Channel.objects.active().filter(kind=Kind.SMS).first()
    number = lookup.normalize_phone(contact.caller_phone)
    if not number.startswith("+"):
        number = ""  # not a number a provider can text (too short, letters)
    correspondent: Correspondent | None = None
    if channel is not None and number:
        found = Correspondent.objects.filter(
            channel=channel, address_hash=lookup.phone_hash(number)
        )
        correspondent = (found.select_for_update() if lock else found).first()
    return _Route(channel, None, correspondent, number)


def _lasting_refusal(contact: Contact, route: _Route) -> tuple[str, str] | None:
    """What forbids any message to this contact now, as (code, reason); checked again at
    delivery."""
    if route.kind == Kind.EMAIL:
        return _lasting_email_refusal(route)
    if route.channel is None and route.conversation is not None:
        return "other_kind", _(
            "This contact's conversation is by email: answer in its Emails section."
        )
    if route.channel is None:
        return "no_channel", _("Texting is not set up: no text channel is active.")
    if not route.channel.active:
        return "channel_inactive", _("The text number of this conversation is switched off.")
    if not route.address:
        return "no_number", _("There is no number to text: no phone number is recorded.")
    if route.correspondent is not None and route.correspondent.opted_out_at is not None:
        return "opted_out", _("This person texted STOP; texts resume only when they text START.")
    if contact.safe_to_text is False:
        return "unsafe", _("The safe-contact plan says texting this person is not safe.")
    return None


def _lasting_email_refusal(route: _Route) -> tuple[str, str] | None:
    """An email answers a person who wrote to us: it needs their email conversation, its
    channel switched on. (The safe-contact plan speaks of calls and texts; the person chose
    this address to write from.)"""
    if route.channel is None:
        return "no_email", _("There is no email to answer: this contact did not come by email.")
    if not route.channel.active:
        return "channel_inactive", _("The mailbox of this conversation is switched off.")
    if not route.address:
        return "no_address", _("There is no address to write to.")
    return None


def _refusal(
    contact: Contact, purpose: str, route: _Route, *, asked_safe: bool, body: str | None
) -> tuple[str, str] | None:
    refusal = _lasting_refusal(contact, route)
    if refusal is not None:
        return refusal
    if route.kind == Kind.EMAIL:
        if body is not None and not body:
            return "empty", _("Write the email before sending it.")
        if body is not None and len(body) > MAX_EMAIL_LENGTH:
            return "too_long", _(
                "An email can be at most %(limit)d characters; this one has %(length)d."
            ) % {"limit": MAX_EMAIL_LENGTH, "length": len(body)}
        return None
    if purpose in ASK_FIRST and contact.safe_to_text is None and not asked_safe:
        return "not_asked", _(
            "No safe-contact plan is recorded: ask the person whether texting is safe, and "
            "confirm that you asked."
        )
    if body is not None and not body:
        return "empty", _("Write the text before sending it.")
    if body is not None and len(body) > MAX_LENGTH:
        return "too_long", _(
            "A text can be at most %(limit)d characters; this one has %(length)d."
        ) % {"limit": MAX_LENGTH, "length": len(body)}
    return None


def _check_purpose(purpose: str) -> None:
    if purpose not in SENDABLE:
        raise ValueError(
            f"Texts sent from the console are replies, referrals or resources, not {purpose!r}."
        )


def may_email(contact: Contact) -> str | None:
    """Why an email reply may not be sent to the contact now (in words), or None."""
    refusal = _refusal(
        contact,
        Purpose.REPLY,
        _route(contact, lock=False, kind=Kind.EMAIL),
        asked_safe=False,
        body=None,
    )
    return None if refusal is None else refusal[1]


def may_text(contact: Contact, purpose: str, *, asked_safe: bool = False) -> str | None:
    """Why a text for `purpose` may not be sent to the contact now (in words), or None. The
    same checks as `send_text`, but the text itself: for the page to grey out what would be
    refused. For a referral or a resource with no plan recorded, the reason asks the specialist
    to confirm they asked (`asked_safe=True` once they did)."""
    _check_purpose(purpose)
    refusal = _refusal(
        contact, purpose, _route(contact, lock=False), asked_safe=asked_safe, body=None
    )
    return None if refusal is None else refusal[1]


def send_text(
    contact: Contact, body: str, *, actor: User, purpose: str, asked_safe: bool = False
) -> Message:
    """Queue a text to the person of `contact`, or raise Refused (with the attempt audited and
    nothing else stored). The message is pending until the worker hands it to the provider."""
    return _send(contact, body, actor=actor, purpose=purpose, asked_safe=asked_safe)


def send_email(contact: Contact, body: str, *, actor: User) -> Message:
    """Queue an email reply in the contact's email conversation, threaded to the person's latest
    message, or raise Refused (audited). The worker sends it over SMTP."""
    return _send(contact, body, actor=actor, purpose=Purpose.REPLY, kind=Kind.EMAIL)


def _send(
    contact: Contact,
    body: str,
    *,
    actor: User,
    purpose: str,
    asked_safe: bool = False,
    kind: str = Kind.SMS,
) -> Message:
    _check_purpose(purpose)
    body = body.strip()
    message: Message | None = None
    noun = "email" if kind == Kind.EMAIL else "text"
    with transaction.atomic():
        # Locked first: two texts to a contact with no conversation yet start one, not two.
        contact = Contact.objects.select_for_update().get(pk=contact.pk)
        route = _route(contact, lock=True, kind=kind)
        refusal = _refusal(contact, purpose, route, asked_safe=asked_safe, body=body)
        if refusal is not None:
            record(
                f"channels.{noun}_refused",
                actor=actor,
                obj=contact,
                detail={
                    "purpose": purpose,
                    "reason": refusal[0],
                    "channel": route.channel.pk if route.channel else None,
                },
            )
        else:
            message = _queue(contact, route, body, actor=actor, purpose=purpose)
            record(
                f"channels.{noun}_queued",
                actor=actor,
                obj=message,
                detail={
                    "contact": contact.pk,
                    "conversation": message.conversation_id,
                    "purpose": purpose,
                    "asked_safe": asked_safe and contact.safe_to_text is None,
                },
            )
            contact_actions.respond(contact, actor=actor)
            transaction.on_commit(partial(deliver.enqueue, message.pk))
    if message is None:
        assert refusal is not None
        # Raised after the block: the refusal's audit event is kept.
        raise Refused(refusal[1], refusal[0])
    return message


def _queue(contact: Contact, route: _Route, body: str, *, actor: User, purpose: str) -> Message:
    assert route.channel is not None  # _refusal said so
    now = timezone.now()
    conversation = route.conversation
    if conversation is None:
        # A call whose caller gave a phone: its texts start the number's conversation, which a
        # text back from that number then joins (inbound finds the latest open one).
        correspondent = route.correspondent
        if correspondent is None:
            correspondent, _created = Correspondent.objects.get_or_create(
                channel=route.channel,
                address_hash=lookup.phone_hash(route.address),
                defaults={"address": route.address},
            )
        conversation = Conversation.objects.create(
            channel=route.channel,
            correspondent=correspondent,
            contact=contact,
            started_at=now,
            last_message_at=now,
        )
    else:
        conversation.last_message_at = now
        conversation.save(update_fields=["last_message_at"])
    return _pending(conversation, route.channel, body, purpose=purpose, actor=actor, now=now)


def _pending(
    conversation: Conversation,
    channel: Channel,
    body: str,
    *,
    purpose: str,
    actor: User | None,
    now: dt.datetime,
) -> Message:
    """The message stored as pending and due now; an email gets its Message-ID, subject and
    thread headers here, so that a retry sends the same."""
    email: dict[str, object] = {}
    if channel.kind == Kind.EMAIL:
        subject, references, _replied = mail_outbound.thread_of(conversation)
        email = {
            "provider_id": mail_outbound.new_message_id(channel.address),
            "subject": subject,
            "references": references,
        }
    return Message.objects.create(
        channel=channel,
        conversation=conversation,
        direction=Direction.OUT,
        purpose=purpose,
        body=body,
        status=MessageStatus.PENDING,
        sent_by=actor,
        created_at=now,
        status_at=now,
        next_attempt_at=now,
        **email,
    )


def acknowledge(conversation: Conversation, now: dt.datetime) -> Message:
    """The automatic acknowledgement of a new email contact whose SLA policy acknowledges (a
    non-urgent message received out of hours): in the contact's language, with its reference
    and when to expect an answer. Queued in the caller's transaction, sent by the worker."""
    from django.utils import translation
    from django.utils.formats import date_format

    contact = conversation.contact
    with translation.override(contact.language or None):
        due = contact.resolution_due or contact.first_response_due
        when = (
            _("We will answer by %(when)s.")
            % {"when": date_format(timezone.localtime(due), "DATETIME_FORMAT")}
            if due
            else _("We will answer when we are open again.")
        )
        body = "\n\n".join(
            [
                _(
                    "Thank you for writing to %(name)s. Your message has been received; its "
                    "reference is %(ref)s."
                )
                % {"name": settings.HOTLINE_NAME, "ref": contact.reference},
                _("It is outside our service hours now.") + " " + when,
                _("If you are in danger now, call 911."),
            ]
        )
    message = _pending(
        conversation,
        conversation.channel,
        body,
        purpose=Purpose.ACKNOWLEDGEMENT,
        actor=None,
        now=now,
    )
    record(
        "channels.email_queued",
        obj=message,
        detail={"contact": contact.pk, "conversation": conversation.pk, "purpose": "ack"},
    )
    transaction.on_commit(partial(deliver.enqueue, message.pk))
    return message


# --- Delivery, in the worker -----------------------------------------------------------------


@task()
def deliver(message_id: int) -> str:
    """The worker's half of send_text: one attempt now (see `attempt`)."""
    return attempt(message_id, timezone.now())


def backoff(attempts: int) -> dt.timedelta:
    """How long to wait after the `attempts`-th failed attempt: 30 s, 1 min, 2 min, ... 30 min."""
    return min(FIRST_BACKOFF * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


def claim(message_id: int, now: dt.datetime) -> Message | None:
    """Take the message for one attempt if it is pending and due: the lease makes every other
    worker and sweep leave it alone until now + LEASE. None when it is not ours to send."""
    claimed = Message.objects.filter(
        pk=message_id,
        direction=Direction.OUT,
        status=MessageStatus.PENDING,
        next_attempt_at__lte=now,
    ).update(next_attempt_at=now + LEASE, attempts=F("attempts") + 1)
    if not claimed:
        return None
    return Message.objects.select_related(
        "channel", "conversation__correspondent", "conversation__contact"
    ).get(pk=message_id)


def attempt(message_id: int, now: dt.datetime) -> str:
    """One attempt to hand the message to the provider: "sent", "retry", "failed", or
    "not_due" when it is not pending and due (sent already, or another worker holds it)."""
    message = claim(message_id, now)
    if message is None:
        return "not_due"
    conversation = message.conversation
    route = _Route(
        message.channel,
        conversation,
        conversation.correspondent,
        conversation.correspondent.address,
        message.channel.kind,
    )
    refusal = _lasting_refusal(conversation.contact, route)
    if refusal is not None:
        _finish(message, now, status=MessageStatus.FAILED, error=refusal[1], code=refusal[0])
        return "failed"
    channel = message.channel
    try:
        if channel.kind == Kind.EMAIL:
            sent = mail_outbound.send(message)
        else:
            sent = providers.for_channel(channel).send(
                channel,
                route.address,
                message.body,
                status_url=channel.webhook_url("status"),
                timeout=SEND_TIMEOUT,
            )
    except providers.SendError as error:
        return _failed(message, now, error)
    except ImproperlyConfigured as error:
        # The channel's secret is missing or unreadable: an administrator can mend it, so the
        # message waits; the error names the channel only.
        return _failed(message, now, providers.SendError(str(error), retry=True))
    except Exception as error:
        # Anything else must not leave the message held until its lease runs out and then be
        # retried without end: it counts as a failed attempt. Only the kind of error is kept:
        # an exception's text may quote the number or the body.
        logger.error("message %s: sending failed (%s)", message.pk, type(error).__name__)
        detail = _("Sending failed (%(kind)s).") % {"kind": type(error).__name__}
        return _failed(message, now, providers.SendError(detail, retry=True))
    _finish(message, now, status=sent.status, provider_id=sent.provider_id)
    return "sent"


def _failed(message: Message, now: dt.datetime, error: providers.SendError) -> str:
    if error.opted_out:
        # The provider knows the person texted STOP (perhaps before this number reached us):
        # no more texts to them until they text START.
        Correspondent.objects.filter(
            pk=message.conversation.correspondent_id, opted_out_at__isnull=True
        ).update(opted_out_at=now)
    give_up = message.attempts >= MAX_ATTEMPTS or now - message.created_at >= MAX_AGE
    if error.retry and not give_up:
        _finish(message, now, status=MessageStatus.PENDING, error=error.detail, code=error.code)
        return "retry"
    _finish(message, now, status=MessageStatus.FAILED, error=error.detail, code=error.code)
    return "failed"


def _finish(
    message: Message,
    now: dt.datetime,
    *,
    status: str,
    provider_id: str | None = None,
    error: str = "",
    code: str = "",
) -> None:
    """Store the attempt's outcome, if the message is still this attempt's (same attempts
    count, still pending): a worker whose lease ran out and was taken over writes nothing."""
    pending = status == MessageStatus.PENDING
    fields: dict[str, object] = {
        "status": status,
        "last_error": error[:200],
        "error_code": code[:20],
        "next_attempt_at": now + backoff(message.attempts) if pending else None,
    }
    if not pending:
        fields["status_at"] = timezone.now()
    if provider_id is not None:
        fields["provider_id"] = provider_id
    with transaction.atomic():
        stored = Message.objects.filter(
            pk=message.pk, status=MessageStatus.PENDING, attempts=message.attempts
        ).update(**fields)
        if not stored:
            logger.warning("message %s: attempt %s was taken over", message.pk, message.attempts)
            return
        if pending:
            return  # a retry is no event: the message's row says when and why
        detail: dict[str, int | str | bool | None] = {
            "contact": message.conversation.contact_id,
            "attempts": message.attempts,
            "status": status,
        }
        if status == MessageStatus.FAILED:
            detail["code"] = code
        noun = "email" if message.channel.kind == Kind.EMAIL else "text"
        outcome = "failed" if status == MessageStatus.FAILED else "sent"
        action = f"channels.{noun}_{outcome}"
        record(action, obj=message, detail=detail)


def send_due(now: dt.datetime) -> int:
    """The sweep job: one attempt for each pending message whose next attempt is due (a retry,
    or a lease whose worker died); how many were attempted. After a failure that may mend, the
    channel's other messages wait for the next sweep rather than each wait on a provider that
    is down."""
    due = (
        Message.objects.filter(
            direction=Direction.OUT, status=MessageStatus.PENDING, next_attempt_at__lte=now
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "channel_id")[:SWEEP_BATCH]
    )
    attempted = 0
    down: set[int] = set()
    for pk, channel_id in list(due):
        if channel_id in down:
            continue
        outcome = attempt(pk, now)
        if outcome != "not_due":
            attempted += 1
        if outcome == "retry":
            down.add(channel_id)
    return attempted
