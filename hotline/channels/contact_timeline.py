"""A contact's texts, emails and calls on its timeline (contacts.timeline): each message received
or sent, with what was sent (a reply, a referral, a resource, the automatic reply or
acknowledgement) and where its delivery stands; each call, with how it ended and its ring and
talk time. The contacts room may not import channels, so channels adds them through the hook."""

from collections.abc import Iterable

from django.utils.text import Truncator
from django.utils.translation import gettext as _

from hotline.accounts.access import Viewer
from hotline.channels.models import (
    Call,
    CallStatus,
    Direction,
    Kind,
    Message,
    MessageStatus,
    Purpose,
)
from hotline.contacts.models import Contact
from hotline.contacts.timeline import Entry

EXCERPT = 160  # characters: the whole text is in the conversation above


def _labels() -> dict[str, str]:
    return {
        Purpose.MESSAGE: _("Text received"),
        Purpose.AUTO_REPLY: _("Automatic reply sent by text"),
        Purpose.REPLY: _("Reply sent by text"),
        Purpose.REFERRAL: _("Referral sent by text"),
        Purpose.RESOURCE: _("Resource sent by text"),
    }


def _email_labels() -> dict[str, str]:
    return {
        Purpose.MESSAGE: _("Email received"),
        Purpose.REPLY: _("Reply sent by email"),
        Purpose.ACKNOWLEDGEMENT: _("Acknowledgement sent by email"),
    }


def text_entries(contact: Contact, viewer: Viewer) -> Iterable[Entry]:
    # Whoever may open the contact sees its texts (the page shows the conversation to them).
    if not viewer.has_perm("contacts.view_contact", contact):
        return []
    labels, email_labels, statuses = _labels(), _email_labels(), dict(MessageStatus.choices)
    entries = []
    for message in Message.objects.filter(conversation__contact_id=contact.pk).select_related(
        "sent_by", "channel"
    ):
        is_email = message.channel.kind == Kind.EMAIL
        text = f"{message.subject} · {message.body}" if message.subject else message.body
        excerpt = Truncator(" · ".join(text.split("\n"))).chars(EXCERPT)
        if message.direction == Direction.OUT:
            excerpt = f"{excerpt} ({statuses.get(message.status, message.status)})"
        entries.append(
            Entry(
                message.created_at,
                f"text_{message.direction}",
                (email_labels if is_email else labels).get(message.purpose, message.purpose),
                message.sent_by.get_username() if message.sent_by else "",
                excerpt,
            )
        )
    return entries


def call_entries(contact: Contact, viewer: Viewer) -> Iterable[Entry]:
    if not viewer.has_perm("contacts.view_contact", contact):
        return []
    statuses = dict(CallStatus.choices)
    entries = []
    for call in Call.objects.filter(contact_id=contact.pk):
        times = []
        if call.ring_seconds is not None:
            times.append(_("rang %(seconds)s s") % {"seconds": call.ring_seconds})
        if call.talk_seconds is not None:
            times.append(_("talked %(seconds)s s") % {"seconds": call.talk_seconds})
        status = str(statuses.get(call.status, call.status))
        entries.append(
            Entry(
                call.started_at,
                "call",
                _("Phone call"),
                "",
                " · ".join([status, *times]),
            )
        )
    return entries
