"""Loops and noise: mail sent by programs is marked and never answered automatically, our own
messages are not taken, and a bounce is recorded against the message it bounces, not made into a
contact."""

import pytest

from hotline.audit.models import AuditEvent
from hotline.channels import mail_inbound
from hotline.channels.models import (
    Channel,
    Conversation,
    Correspondent,
    Direction,
    Message,
    MessageStatus,
    Purpose,
)
from hotline.channels.tests import mails
from hotline.contacts.actions import receive
from hotline.contacts.models import Contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(mailbox, monkeypatch, no_acknowledgements) -> Channel:
    return mails.make_channel(mailbox, monkeypatch)


@pytest.mark.parametrize(
    "extra,reason",
    [
        ("Auto-Submitted: auto-replied", "auto_submitted"),
        ("Precedence: bulk", "precedence"),
        ("Precedence: junk", "precedence"),
        ("List-Id: <news.lists.example.org>", "list"),
    ],
)
def test_mail_sent_by_a_program_is_taken_and_marked_automatic(
    channel, mailbox, extra, reason
) -> None:
    mails.append(mailbox, mails.text_mail("Out of office", extra=extra))
    mail_inbound.poll(channel)
    message = Message.objects.get()
    assert message.automatic is True
    assert AuditEvent.objects.get(action="channels.message_in").detail["automatic"] == reason


def test_a_person_s_mail_is_not_automatic(channel, mailbox) -> None:
    mails.append(mailbox, mails.text_mail("I need help", extra="Auto-Submitted: no"))
    mail_inbound.poll(channel)
    assert Message.objects.get().automatic is False


def test_our_own_messages_are_not_taken(channel, mailbox) -> None:
    mails.append(mailbox, mails.text_mail("a copy of our reply", sender=mails.HOTLINE))
    assert mail_inbound.poll(channel) == 1
    assert not Message.objects.exists() and not Contact.objects.exists()
    assert AuditEvent.objects.get(action="channels.email_ignored").detail == {"reason": "own"}


def sent_reply(channel: Channel) -> Message:
    contact = receive(Contact(channel="email", caller_email=mails.ANA))
    correspondent = Correspondent.objects.create(channel=channel, address=mails.ANA)
    conversation = Conversation.objects.create(
        channel=channel, correspondent=correspondent, contact=contact
    )
    return Message.objects.create(
        channel=channel,
        conversation=conversation,
        direction=Direction.OUT,
        purpose=Purpose.REPLY,
        provider_id="reply-1@hotline.example.org",
        body="Our answer",
        status=MessageStatus.SENT,
    )


def test_a_bounce_is_recorded_against_the_message_it_bounces(channel, mailbox) -> None:
    reply = sent_reply(channel)
    mails.append(mailbox, mails.bounce("reply-1@hotline.example.org", "5.1.1"))
    mail_inbound.poll(channel)

    reply.refresh_from_db()
    assert (reply.status, reply.error_code) == (MessageStatus.UNDELIVERED, "5.1.1")
    assert Contact.objects.count() == 1 and Message.objects.count() == 1
    assert AuditEvent.objects.get(action="channels.email_bounce").detail == {
        "matched": True,
        "status": "5.1.1",
    }


def test_a_bounce_of_a_message_we_do_not_know_makes_no_contact(channel, mailbox) -> None:
    mails.append(mailbox, mails.bounce("someone-else@example.org"))
    mail_inbound.poll(channel)
    assert not Contact.objects.exists() and not Message.objects.exists()
    assert AuditEvent.objects.get(action="channels.email_bounce").detail["matched"] is False


def test_mail_without_a_sender_is_recorded_and_skipped(channel, mailbox) -> None:
    mails.append(mailbox, mails.text_mail("who?", sender="undisclosed-recipients:;"))
    assert mail_inbound.poll(channel) == 1
    assert not Contact.objects.exists()
    assert AuditEvent.objects.get(action="channels.email_ignored").detail == {"reason": "no_sender"}
    mails.append(mailbox, mails.text_mail("next"))
    channel.refresh_from_db()
    assert mail_inbound.poll(channel) == 1  # the sender-less one is not read again
    assert Message.objects.get().body == "next"
