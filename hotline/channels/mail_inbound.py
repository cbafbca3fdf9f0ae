"""Email reaching Hotline: the worker reads each email channel's mailbox and takes every new
message into its conversation (and so into the queue), once.

Polling: the sweep job `poll_due` claims each active email channel whose poll is due with a
conditional update of `next_poll_at` (so two workers never read one mailbox at once), lists the
folder's messages above the channel's last UID, and takes them one by one, each in its own
transaction that also moves the channel's last UID on. When the folder's UIDVALIDITY changes
(the mailbox was rebuilt), the UIDs start again from 0; the unique Message-ID per channel
(`one_message_per_provider_id`) still keeps every message from being taken twice. A message
without a Message-ID is given one from its UID and UIDVALIDITY.

Threads (`conversation_for`): a message whose In-Reply-To or References names a message of an
open email conversation on the channel joins it; else a reference number (HT-…) in the subject
joins that contact's conversation only when the sender is the conversation's own address (a tip
line receives spoofed mail: the number is printed in every subject we send); else the message
starts a new contact (channel "email") through `contacts.actions.receive`, triaged by the SLA
policies like any other.

Noise: our own messages (from the channel's address) are not taken; a bounce (a delivery
status notification) is recorded against the message it bounces, through the same status path
as a text's delivery report, and makes no contact; mail sent by a program (auto-replies,
lists, bulk: `mail_parse`) is taken like any other, marked automatic, and never answered
automatically. The automatic answer there is: the acknowledgement of a new contact whose SLA
policy acknowledges (a non-urgent email received out of hours), sent once per conversation.
"""

import datetime as dt
import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from hotline.audit.actions import record
from hotline.channels import attachments, mail_parse, outbound
from hotline.channels.inbound import record_status
from hotline.channels.models import (
    Attachment,
    AttachmentState,
    Channel,
    Conversation,
    Correspondent,
    Direction,
    Kind,
    Message,
    MessageStatus,
    Purpose,
    address_hash,
)
from hotline.channels.providers import StatusReport
from hotline.channels.providers import mailbox as transport
from hotline.contacts import actions as contact_actions
from hotline.contacts.actions import REFERENCE_PREFIX
from hotline.contacts.models import Channel as ContactChannel
from hotline.contacts.models import Contact, Status

logger = logging.getLogger(__name__)

POLL_BATCH = 200  # messages per channel per poll; a fuller mailbox is read on at the next sweep
REFERENCE = re.compile(rf"\b{REFERENCE_PREFIX}-\d{{4}}-\d{{6}}\b")


@dataclass(frozen=True)
class Taken:
    """What `take` did: `outcome` is "new" (a new contact), "joined", "duplicate", "own",
    "bounce" or "no_sender"; `message` the message stored, if any."""

    outcome: str
    message: Message | None = None
    conversation: Conversation | None = None
    threaded_by: str = ""


def conversation_for(
    channel: Channel, parsed: mail_parse.ParsedEmail
) -> tuple[Conversation | None, str]:
    """The open conversation the message joins and how it was found ("reply", "reference"),
    or (None, "")."""
    named = [*parsed.in_reply_to, *parsed.references]
    open_ones = Conversation.objects.filter(channel=channel).exclude(contact__status=Status.CLOSED)
    if named:
        found = (
            open_ones.filter(messages__provider_id__in=named)
            .order_by("-last_message_at", "-pk")
            .first()
        )
        if found is not None:
            return found, "reply"
    references = REFERENCE.findall(parsed.subject)
    if references and parsed.sender:
        found = (
            open_ones.filter(
                contact__reference__in=references,
                correspondent__address_hash=address_hash(parsed.sender),
            )
            .order_by("-last_message_at", "-pk")
            .first()
        )
        if found is not None:
            return found, "reference"
    return None, ""


def _move_uid(channel: Channel, uid: int | None) -> None:
    if uid is not None:
        Channel.objects.filter(pk=channel.pk, mail_last_uid__lt=uid).update(mail_last_uid=uid)


def take(
    channel: Channel,
    parsed: mail_parse.ParsedEmail,
    *,
    uid: int | None = None,
    uidvalidity: int = 0,
) -> Taken:
    """Store one email in its conversation, or record it as a bounce, in one transaction that
    also marks its UID taken. Never raises for what the message says."""
    message_id = parsed.message_id or mail_parse.fallback_id(
        channel.public_id, uidvalidity, uid or 0
    )
    now = timezone.now()
    with transaction.atomic():
        _move_uid(channel, uid)
        if Message.objects.filter(channel=channel, provider_id=message_id).exists():
            return Taken("duplicate")
        if parsed.sender and parsed.sender == channel.address:
            record("channels.email_ignored", obj=channel, detail={"reason": "own"})
            return Taken("own")
        if parsed.bounce:
            bounced = parsed.bounced_id
            known = (
                bool(bounced)
                and Message.objects.filter(
                    channel=channel, provider_id=bounced, direction=Direction.OUT
                ).exists()
            )
            if known:
                record_status(
                    channel,
                    StatusReport(
                        provider_id=bounced,
                        status=MessageStatus.UNDELIVERED,
                        error_code=parsed.bounce_status or "bounce",
                    ),
                )
            record(
                "channels.email_bounce",
                obj=channel,
                detail={"matched": known, "status": parsed.bounce_status},
            )
            return Taken("bounce")
        if not parsed.sender:
            record("channels.email_ignored", obj=channel, detail={"reason": "no_sender"})
            return Taken("no_sender")
        conversation, threaded_by = conversation_for(channel, parsed)
        correspondent, _created = Correspondent.objects.get_or_create(
            channel=channel,
            address_hash=address_hash(parsed.sender),
            defaults={"address": parsed.sender},
        )
        correspondent = Correspondent.objects.select_for_update().get(pk=correspondent.pk)
        new_contact = conversation is None
        if conversation is None:
            contact = Contact(
                channel=ContactChannel.EMAIL,
                caller_email=parsed.sender,
                caller_name=parsed.sender_name,
                urgency=channel.urgency,
                received_at=now,
            )
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
            provider_id=message_id,
            subject=parsed.subject,
            body=parsed.body,
            references=[*parsed.references, *parsed.in_reply_to][-mail_parse.MAX_REFERENCES :],
            automatic=parsed.automatic,
            status=MessageStatus.RECEIVED,
            created_at=now,
            status_at=now,
        )
        kept = _keep_attachments(message, parsed.attachments)
        record(
            "channels.message_in",
            obj=message,
            detail={
                "channel": channel.pk,
                "conversation": conversation.pk,
                "contact": conversation.contact_id,
                "new_contact": new_contact,
                "threaded_by": threaded_by,
                "automatic": parsed.auto_reason,
                "attachments": len(parsed.attachments),
                "attachments_kept": kept,
            },
        )
        if new_contact and conversation.contact.acknowledged_at and not parsed.automatic:
            # The policy acknowledges (a non-urgent email out of hours): once, at the start of
            # the conversation, and never to a program (no mail loops).
            outbound.acknowledge(conversation, now)
    return Taken("new" if new_contact else "joined", message, conversation, threaded_by)


def _keep_attachments(message: Message, files: list[mail_parse.Attachment]) -> int:
    """Each attachment recorded, and kept when within the limits (per file, then per message,
    in the order they came); how many were kept."""
    room = settings.EMAIL_ATTACHMENTS_MAX_BYTES
    kept = 0
    for file in files:
        row = Attachment(
            message=message,
            filename=file.filename,
            declared_type=file.content_type,
            size=file.size,
        )
        if not file.size:
            row.state = AttachmentState.EMPTY
        elif file.size > settings.EMAIL_ATTACHMENT_MAX_BYTES:
            row.state = AttachmentState.TOO_LARGE
        elif file.size > room:
            row.state = AttachmentState.MESSAGE_FULL
        else:
            row.stored_name, row.sha256 = attachments.store(file.data)
            row.detected_type = attachments.detect(file.data)
            row.state = AttachmentState.STORED
            room -= file.size
            kept += 1
        row.save()
    return kept


def _too_large(parsed: mail_parse.ParsedEmail, size: int) -> mail_parse.ParsedEmail:
    from dataclasses import replace

    megabytes = max(1, size // (1024 * 1024))
    # Stored, so in the hotline's language: the page shows it as the message's text.
    note = (
        f"[This email is {megabytes} MB, over the {settings.EMAIL_MAX_BYTES // (1024 * 1024)} MB "
        "that Hotline takes in: only its header was read. It is still in the mailbox.]"
    )
    return replace(parsed, body=note, truncated=True)


def poll(channel: Channel, limit: int = POLL_BATCH) -> int:
    """Read the channel's mailbox once: take up to `limit` new messages; how many were
    taken (duplicates and bounces included). Raises MailboxError or ImproperlyConfigured."""
    taken = 0
    with transport.reading(channel) as reader:
        uidvalidity = reader.uidvalidity()
        if channel.mail_uidvalidity != uidvalidity:
            # A rebuilt mailbox numbers its messages again: read it all; the Message-IDs keep
            # what was taken already from being taken again.
            Channel.objects.filter(pk=channel.pk).update(
                mail_uidvalidity=uidvalidity, mail_last_uid=0
            )
            channel.mail_uidvalidity, channel.mail_last_uid = uidvalidity, 0
        for listed in reader.new(channel.mail_last_uid, limit):
            too_large = listed.size > settings.EMAIL_MAX_BYTES
            raw = reader.fetch(listed.uid, header_only=too_large)
            parsed = mail_parse.parse(raw)
            if too_large:
                parsed = _too_large(parsed, listed.size)
            take(channel, parsed, uid=listed.uid, uidvalidity=uidvalidity)
            channel.mail_last_uid = listed.uid
            taken += 1
    return taken


def poll_due(now: dt.datetime) -> int:
    """The sweep job: poll each active email channel whose poll is due; how many messages were
    taken. A channel that fails keeps its error in words for the administrator and is tried
    again at its next poll."""
    due = Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now)
    taken = 0
    for channel in Channel.objects.active().filter(due, kind=Kind.EMAIL):
        claimed = (
            Channel.objects.filter(pk=channel.pk)
            .filter(due)
            .update(next_poll_at=now + dt.timedelta(seconds=settings.EMAIL_POLL_SECONDS))
        )
        if not claimed:
            continue
        try:
            count = poll(channel)
        except (transport.MailboxError, ImproperlyConfigured) as error:
            logger.warning("email channel %s: %s", channel.pk, error)
            Channel.objects.filter(pk=channel.pk).update(mail_error=str(error)[:200])
            continue
        except Exception as error:
            # Anything else (a broken connection mid-read, a bug): the other channels are still
            # read; only the kind of error is kept, since its text may quote a message.
            logger.error("email channel %s: reading failed (%s)", channel.pk, type(error).__name__)
            Channel.objects.filter(pk=channel.pk).update(
                mail_error=f"Reading the mailbox failed ({type(error).__name__})."
            )
            continue
        if count >= POLL_BATCH:
            # More are waiting: read on at the next sweep rather than after a full interval.
            Channel.objects.filter(pk=channel.pk).update(next_poll_at=now)
        if channel.mail_error:
            Channel.objects.filter(pk=channel.pk).update(mail_error="")
        taken += count
    return taken
