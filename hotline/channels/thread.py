"""The text or email conversation on a contact's page: its messages in order with their delivery
status in words, the reply form (with canned replies), and the referrals and resources that can
be sent by text; an email conversation shows each subject, and quoted earlier mail folded.
Registered with `contacts.sections` (channels sits above contacts).

The section shows for a contact that has a conversation, or whose caller gave a phone number
while a text channel is active (a reply to a caller starts a conversation). What a user may do
follows the contact's own rules (`contacts.change_contact`); what the gate of `outbound` would
refuse is shown as its reason, with the form switched off, before anything is written. The
messages are personal data: showing them is audited (`channels.conversation_view`)."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from hotline.accounts.access import AuthenticatedHttpRequest
from hotline.audit.actions import record
from hotline.channels import mail_parse, outbound
from hotline.channels.models import (
    CannedReply,
    Channel,
    Conversation,
    Direction,
    Kind,
    Message,
    MessageStatus,
    Purpose,
)
from hotline.channels.providers.twilio import STOPPED
from hotline.contacts.models import Contact
from hotline.contacts.sections import Section

SHOWN = 200  # the latest messages; a longer thread says how many came before


@dataclass(frozen=True)
class Row:
    """One message as the page shows it."""

    message: Message
    incoming: bool
    who: str
    what: str  # why it was sent, for outbound messages ("" for an ordinary one)
    status: str
    problem: str  # why it is not delivered yet, or "" (no personal data: see outbound)
    text: str = ""  # what the page shows as the message: an email's own words
    quoted: str = ""  # an email's quoted earlier messages, shown folded


def _who(message: Message) -> str:
    if message.direction == Direction.IN:
        return _("The person")
    if message.sent_by is not None:
        return message.sent_by.get_username()
    return _("Hotline (automatic)")


def _problem(message: Message, kind: str = Kind.SMS) -> str:
    if message.status == MessageStatus.PENDING:
        parts = []
        if message.next_attempt_at is not None:
            parts.append(
                _("next attempt at %(time)s")
                % {"time": date_format(message.next_attempt_at, "TIME_FORMAT")}
            )
        if message.last_error:
            parts.append(message.last_error)
        return "; ".join(parts)
    if message.status in (MessageStatus.FAILED, MessageStatus.UNDELIVERED):
        if kind == Kind.EMAIL and message.status == MessageStatus.UNDELIVERED:
            return _("the email came back undelivered (%(code)s)") % {
                "code": message.error_code or "?"
            }
        if message.error_code == STOPPED:
            return _("the person texted STOP")
        if message.last_error:
            return message.last_error
        if message.error_code:
            return _("the provider's error %(code)s") % {"code": message.error_code}
    return ""


def rows(messages: list[Message], kind: str = Kind.SMS) -> list[Row]:
    purposes = dict(Purpose.choices)
    statuses = dict(MessageStatus.choices)
    result = []
    for m in messages:
        text, quoted = m.body, ""
        if kind == Kind.EMAIL and m.direction == Direction.IN:
            text, quoted = mail_parse.split_quoted(m.body)
        what = "" if m.purpose == Purpose.MESSAGE else str(purposes.get(m.purpose, ""))
        if m.automatic:
            what = _("sent by a program (an automatic reply or a list)")
        result.append(
            Row(
                message=m,
                incoming=m.direction == Direction.IN,
                who=_who(m),
                what=what,
                status=str(statuses.get(m.status, m.status)),
                problem=_problem(m, kind),
                text=text,
                quoted=quoted,
            )
        )
    return result


def _latest(
    request: AuthenticatedHttpRequest, contact: Contact, conversation: Conversation
) -> tuple[list[Message], int]:
    """The conversation's latest SHOWN messages in order and how many came before; the view
    audited."""
    latest = conversation.messages.select_related("sent_by").order_by("-created_at", "-pk")
    if conversation.channel.kind == Kind.EMAIL:
        latest = latest.prefetch_related("attachments")
    messages = list(latest[: SHOWN + 1])[::-1]
    earlier = 0
    if len(messages) > SHOWN:
        messages = messages[1:]
        earlier = conversation.messages.count() - SHOWN
    record(
        "channels.conversation_view",
        actor=request.user,
        obj=conversation,
        detail={"contact": contact.pk, "messages": len(messages)},
    )
    return messages, earlier


def _canned(contact: Contact) -> list[CannedReply]:
    """Active canned replies, those in the contact's language first."""
    replies = list(CannedReply.objects.filter(active=True))
    return sorted(replies, key=lambda r: (r.language != contact.language, r.language, r.title))


def _chosen(request: AuthenticatedHttpRequest, canned: list[CannedReply]) -> CannedReply | None:
    """The canned reply picked (?canned=<id>, the picker's GET without JavaScript)."""
    picked = request.GET.get("canned", "")
    return next((r for r in canned if str(r.pk) == picked), None)


def texts_section(request: AuthenticatedHttpRequest, contact: Contact) -> Section | None:
    conversation = (
        Conversation.objects.filter(contact_id=contact.pk)
        .select_related("channel", "correspondent")
        .first()
    )
    if conversation is not None and conversation.channel.kind != Kind.SMS:
        return None  # an email conversation: emails_section shows it
    if conversation is None and not (
        contact.caller_phone and Channel.objects.active().filter(kind=Kind.SMS).exists()
    ):
        return None
    messages: list[Message] = []
    earlier = 0
    if conversation is not None:
        messages, earlier = _latest(request, contact, conversation)
    may_send = request.user.has_perm("contacts.change_contact", contact)
    context: dict[str, object] = {
        "conversation": conversation,
        "rows": rows(messages),
        "earlier": earlier,
        "may_send": may_send,
        "reply_url": reverse("texts:reply", args=[contact.pk]),
        "send_url": reverse("texts:send", args=[contact.pk]),
        "max_length": outbound.MAX_LENGTH,
    }
    if may_send:
        canned = _canned(contact)
        chosen = _chosen(request, canned)
        context.update(
            reply_refusal=outbound.may_text(contact, Purpose.REPLY),
            # Without the "I asked" confirmation: what forbids sending whatever is confirmed.
            send_refusal=outbound.may_text(contact, Purpose.REFERRAL, asked_safe=True),
            ask_first=contact.safe_to_text is None,
            canned=canned,
            chosen=chosen,
            body=chosen.text if chosen else "",
            referrals=list(contact.referrals.select_related("service__organization")),
            shared=list(contact.shared_resources.select_related("resource")),
        )
    return Section("channels/_texts.html", context)


def emails_section(request: AuthenticatedHttpRequest, contact: Contact) -> Section | None:
    """A contact's email conversation: each message with its subject, the person's own words
    (quoted earlier mail folded below, kept whole), HTML only ever as text; the reply form."""
    conversation = (
        Conversation.objects.filter(contact_id=contact.pk, channel__kind=Kind.EMAIL)
        .select_related("channel", "correspondent")
        .first()
    )
    if conversation is None:
        return None
    messages, earlier = _latest(request, contact, conversation)
    may_send = request.user.has_perm("contacts.change_contact", contact)
    context: dict[str, object] = {
        "conversation": conversation,
        "rows": rows(messages, Kind.EMAIL),
        "earlier": earlier,
        "may_send": may_send,
        "reply_url": reverse("texts:email_reply", args=[contact.pk]),
        "attachment_url": reverse("texts:attachment", args=[contact.pk, 0]).removesuffix("0/"),
        "max_length": outbound.MAX_EMAIL_LENGTH,
    }
    if may_send:
        canned = _canned(contact)
        chosen = _chosen(request, canned)
        context.update(
            reply_refusal=outbound.may_email(contact),
            canned=canned,
            chosen=chosen,
            body=chosen.text if chosen else "",
        )
    return Section("channels/_emails.html", context)
