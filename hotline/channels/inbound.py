"""Texts reaching Hotline: a message taken into its conversation (and so into the queue), and
the provider's news of a message sent.

`take` stores one inbound message, in one transaction: the sender's Correspondent row is locked
first, so that two texts of one number arriving at once are taken one after the other and join
one conversation; a message whose provider id is stored already is not stored again: the unique
constraint on channel and provider id refuses it, and the savepoint around the text takes back
whatever it did before (a retry of the provider under another token is rare; a check before
every message would cost each one a query while the write lock is held). A conversation stays
open `channel.conversation_days` days after its last message, while its contact is not closed;
otherwise the text starts a new contact through `contacts.actions.receive`, triaged like any
other by the SLA policies (which may match on the channel).

Opting out: STOP (and the words alike) sets the correspondent's `opted_out_at`; START clears it.
A later ordinary text from an opted-out number reaches the queue as usual but does not lift the
opt-out: carriers keep blocking texts to that number until it sends START, so Hotline keeps
saying "opted out" until then, rather than offering a reply that the provider would refuse
(error 21610).
"""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from hotline.audit.actions import record
from hotline.channels import keywords
from hotline.channels.models import (
    STATUS_RANK,
    Channel,
    Conversation,
    Correspondent,
    Direction,
    Message,
    MessageStatus,
    Purpose,
    address_hash,
)
from hotline.channels.providers import Inbound, StatusReport
from hotline.contacts import actions as contact_actions
from hotline.contacts.models import Channel as ContactChannel
from hotline.contacts.models import Contact, Status
from hotline.lib import lookup

# Contact.caller_phone's length: a longer sender is refused rather than cut.
MAX_SENDER_LENGTH = Contact._meta.get_field("caller_phone").max_length or 30
RANK: dict[str, int] = {str(status): rank for status, rank in STATUS_RANK.items()}
CONVERSATION_FIELDS = [field.name for field in Conversation._meta.concrete_fields]
JOINED_CONTACT_FIELDS = ["status", "language", "assigned_to"]


@dataclass(frozen=True)
class InboundResult:
    """What `take` did. `message` is None for a message already stored (a retry of the
    provider under another token); `reply` is the automatic reply to send back, if any."""

    message: Message | None
    conversation: Conversation | None
    new_contact: bool = False
    keyword: keywords.Keyword | None = None
    reply: str | None = None


def sender_address(sender: str) -> str:
    """The sender as E.164 when it is a phone number; as the provider wrote it otherwise (a
    short code, an alphanumeric sender id). Raises ValueError when there is none, or it is
    too long to keep."""
    address = lookup.normalize_phone(sender) or sender.strip()
    if not address:
        raise ValueError("The message has no sender.")
    if len(address) > MAX_SENDER_LENGTH:
        raise ValueError("The sender's address is too long.")
    return address


def locked_correspondent(channel: Channel, address: str) -> Correspondent:
    """The sender's Correspondent row, created if it is new, locked until the transaction ends.

    One query when the number has written before (the lock is taken as the row is read). A new
    number's row is inserted, and so held by this transaction: a text of the same number
    arriving at once waits on the unique constraint until this one commits, then fails to insert
    and locks the row this one made."""
    rows = Correspondent.objects.select_for_update().filter(
        channel=channel, address_hash=address_hash(address)
    )
    correspondent = rows.first()
    if correspondent is None:
        try:
            with transaction.atomic():
                correspondent = Correspondent.objects.create(channel=channel, address=address)
        except IntegrityError:
            correspondent = rows.get()
    correspondent.channel = channel  # the caller's row: no second read of it
    return correspondent


def open_conversation(correspondent: Correspondent, now: dt.datetime) -> Conversation | None:
    """The correspondent's conversation that a text arriving `now` joins, if any. Its contact
    comes with the fields that taking a text reads (its status, its language for a keyword, its
    assignee to tell), not its whole row: building that was most of the query's cost; any other
    field is read when asked for."""
    since = now - dt.timedelta(days=correspondent.channel.conversation_days)
    return (
        Conversation.objects.filter(correspondent=correspondent, last_message_at__gte=since)
        .exclude(contact__status=Status.CLOSED)
        .select_related("contact")
        .only(*CONVERSATION_FIELDS, *(f"contact__{name}" for name in JOINED_CONTACT_FIELDS))
        .order_by("-last_message_at", "-pk")
        .first()
    )


def take(channel: Channel, inbound: Inbound) -> InboundResult:
    """Store one message a person sent, in its conversation; start a contact when it opens a
    new one; act on a keyword. One transaction. Raises ValueError for a message that cannot be
    taken (no sender), storing nothing."""
    address = sender_address(inbound.sender)
    now = timezone.now()
    try:
        with transaction.atomic():
            return _take(channel, inbound, address, now)
    except IntegrityError:
        if Message.objects.filter(channel=channel, provider_id=inbound.provider_id).exists():
            return InboundResult(message=None, conversation=None)  # stored already
        raise


def _take(channel: Channel, inbound: Inbound, address: str, now: dt.datetime) -> InboundResult:
    """`take`'s work, inside its savepoint."""
    correspondent = locked_correspondent(channel, address)
    conversation = open_conversation(correspondent, now)
    keyword = keywords.classify(
        channel, inbound.body, conversation.contact.language if conversation else ""
    )
    new_contact = conversation is None
    if conversation is None:
        contact = Contact(
            channel=ContactChannel.SMS,
            caller_phone=address,
            urgency=channel.urgency,
            received_at=now,
        )
        if keyword is not None:
            contact.language = keyword.language
        contact_actions.receive(contact)
        conversation = Conversation.objects.create(
            channel=channel,
            correspondent=correspondent,
            contact=contact,
            started_at=now,
            last_message_at=now,
        )
    else:
        conversation.last_message_at = now
        conversation.save(update_fields=["last_message_at"])
        contact_actions.message_received(conversation.contact)
    message = Message.objects.create(
        channel=channel,
        conversation=conversation,
        direction=Direction.IN,
        purpose=Purpose.MESSAGE,
        provider_id=inbound.provider_id,
        body=inbound.body,
        media=[{"type": m.content_type, "url": m.url} for m in inbound.media],
        segments=inbound.segments,
        status=MessageStatus.RECEIVED,
        created_at=now,
        status_at=now,
    )
    record(
        "channels.message_in",
        obj=message,
        detail={
            "channel": channel.pk,
            "conversation": conversation.pk,
            "contact": conversation.contact_id,
            "new_contact": new_contact,
            "keyword": keyword.action.value if keyword else "",
            "media": len(message.media),
        },
    )
    reply = _act_on(keyword, correspondent, conversation, now)
    return InboundResult(message, conversation, new_contact, keyword, reply)


def _act_on(
    keyword: keywords.Keyword | None,
    correspondent: Correspondent,
    conversation: Conversation,
    now: dt.datetime,
) -> str | None:
    """A keyword's effect; the automatic reply's text for an information keyword."""
    if keyword is None:
        return None
    if keyword.action == keywords.Action.STOP:
        # No answer of ours: the provider answers STOP itself (and blocks our texts).
        if correspondent.opted_out_at is None:
            correspondent.opted_out_at = now
            correspondent.save(update_fields=["opted_out_at"])
            record(
                "channels.opt_out",
                obj=correspondent,
                detail={"channel": correspondent.channel_id, "via": "keyword"},
            )
        return None
    if keyword.action == keywords.Action.START:
        if correspondent.opted_out_at is not None:
            correspondent.opted_out_at = None
            correspondent.save(update_fields=["opted_out_at"])
            record(
                "channels.opt_in",
                obj=correspondent,
                detail={"channel": correspondent.channel_id, "via": "keyword"},
            )
        return None
    text = keywords.reply_text(conversation.channel, keyword.language)
    # Sent as the webhook's answer (TwiML), not through the REST API: the provider has no id
    # for it to give, and it is "sent" as soon as the answer leaves.
    reply = Message.objects.create(
        channel=conversation.channel,
        conversation=conversation,
        direction=Direction.OUT,
        purpose=Purpose.AUTO_REPLY,
        body=text,
        status=MessageStatus.SENT,
        created_at=now,
        status_at=now,
    )
    record(
        "channels.auto_reply",
        obj=reply,
        detail={"conversation": conversation.pk, "language": keyword.language},
    )
    return text


def record_status(channel: Channel, report: StatusReport) -> bool:
    """The provider's news of a message sent: the message moves forward only (STATUS_RANK), so
    that "sent" arriving after "delivered" changes nothing; an opt-out error marks the
    correspondent opted out. Returns whether the message's status changed.

    A report of a message Hotline does not know changes nothing: it may be one sent from the
    provider's console or by another application on the same account, and there is nothing of
    ours to update."""
    now = timezone.now()
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(channel=channel, provider_id=report.provider_id)
            .select_related("conversation__correspondent")
            .first()
        )
        if message is None:
            return False
        moved = RANK.get(report.status, 0) > RANK.get(message.status, 0)
        if moved:
            message.status = report.status
            message.status_at = now
            message.error_code = report.error_code or message.error_code
            message.save(update_fields=["status", "status_at", "error_code"])
        record(
            "channels.message_status",
            obj=message,
            detail={"status": report.status, "error": report.error_code, "moved": moved},
        )
        correspondent = message.conversation.correspondent
        if report.opted_out and correspondent.opted_out_at is None:
            correspondent.opted_out_at = now
            correspondent.save(update_fields=["opted_out_at"])
            record(
                "channels.opt_out",
                obj=correspondent,
                detail={"channel": channel.pk, "via": "provider", "error": report.error_code},
            )
    return moved
