"""Email read from a real mailbox (Dovecot over IMAP) into the queue: each message taken once,
whatever its charset or structure, as a contact with channel "email"."""

import datetime as dt

import pytest
from django.utils import timezone
from imap_tools import MailBoxUnencrypted

from hotline.audit.models import AuditEvent
from hotline.channels import mail_inbound, mail_parse
from hotline.channels.models import Channel, Conversation, Direction, Message, MessageStatus
from hotline.channels.tests import mails
from hotline.contacts.models import Contact
from hotline.lib import sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(mailbox, monkeypatch, no_acknowledgements) -> Channel:
    return mails.make_channel(mailbox, monkeypatch)


def only_message() -> Message:
    (message,) = Message.objects.all()
    return message


def test_an_email_in_the_mailbox_becomes_an_email_contact_in_the_queue(channel, mailbox) -> None:
    mails.append(mailbox, mails.text_mail("They took my passport.", subject="Help please"))

    assert mail_inbound.poll(channel) == 1

    message = only_message()
    assert (message.direction, message.status) == (Direction.IN, MessageStatus.RECEIVED)
    assert (message.subject, message.body) == ("Help please", "They took my passport.")
    contact = message.conversation.contact
    assert (contact.channel, contact.caller_email) == ("email", mails.ANA)
    assert contact.reference.startswith("HT-")
    assert contact.caller_email_hash  # the console's search finds the sender
    assert message.conversation.correspondent.address == mails.ANA
    event = AuditEvent.objects.get(action="channels.message_in")
    assert event.detail["new_contact"] is True
    assert "passport" not in str(event.detail) and mails.ANA not in str(event.detail)
    channel.refresh_from_db()
    assert channel.mail_last_uid == 1 and channel.mail_uidvalidity


def test_a_second_poll_takes_nothing_and_the_mailbox_is_left_unread(channel, mailbox) -> None:
    mails.append(mailbox, mails.text_mail("one"), mails.text_mail("two"))
    assert mail_inbound.poll(channel) == 2
    channel.refresh_from_db()

    assert mail_inbound.poll(channel) == 0
    assert Message.objects.count() == 2 and Contact.objects.count() == 2
    with MailBoxUnencrypted(mailbox.host, mailbox.port).login(
        mailbox.user, mailbox.password
    ) as box:
        assert [m.flags for m in box.fetch(mark_seen=False)] == [(), ()]


def test_the_same_message_id_is_taken_once_even_when_the_mailbox_is_renumbered(
    channel, mailbox
) -> None:
    same = mails.text_mail("once", message_id="<same-1@example.net>")
    mails.append(mailbox, same, same)
    assert mail_inbound.poll(channel) == 2  # both read, one stored
    assert Message.objects.get().provider_id == "same-1@example.net"

    # A mailbox rebuilt (another UIDVALIDITY) is read again from the start: nothing doubles.
    Channel.objects.filter(pk=channel.pk).update(mail_uidvalidity=1, mail_last_uid=99)
    channel.refresh_from_db()
    mail_inbound.poll(channel)
    assert Message.objects.count() == 1 and Contact.objects.count() == 1


def test_a_message_without_a_message_id_is_taken_once(channel, mailbox) -> None:
    mails.append(mailbox, mails.text_mail("no id", message_id=""))
    mail_inbound.poll(channel)
    Channel.objects.filter(pk=channel.pk).update(mail_last_uid=0)
    channel.refresh_from_db()
    mail_inbound.poll(channel)

    message = only_message()
    assert (message.provider_id or "").startswith("uid.1.") and message.body == "no id"


@pytest.mark.parametrize("charset", sorted(mails.CHARSETS))
def test_each_charset_is_read(channel, mailbox, charset) -> None:
    text = mails.CHARSETS[charset]
    mails.append(mailbox, mails.text_mail(text, charset, encoding="base64"))
    mail_inbound.poll(channel)
    assert only_message().body == text


def test_a_wrong_declared_charset_falls_back_without_a_crash(channel, mailbox) -> None:
    # UTF-8 bytes labelled us-ascii, and Windows-1252 bytes labelled UTF-8.
    mails.append(
        mailbox,
        mails.text_mail("Olá, preciso de ajuda", "utf-8", declared="us-ascii"),
        mails.text_mail("They said “you owe us”", "windows-1252", declared="utf-8"),
    )
    assert mail_inbound.poll(channel) == 2
    assert sorted(m.body for m in Message.objects.all()) == [
        "Olá, preciso de ajuda",
        "They said “you owe us”",
    ]


def test_an_unknown_charset_falls_back_without_a_crash(channel, mailbox) -> None:
    mails.append(mailbox, mails.text_mail("Sí, es urgente", "utf-8", declared="x-no-such"))
    mail_inbound.poll(channel)
    assert only_message().body == "Sí, es urgente"


def test_rfc_2047_subjects_and_names_are_decoded(channel, mailbox) -> None:
    mails.append(
        mailbox,
        mails.text_mail(
            "body",
            subject="=?utf-8?b?0J/QvtC80L7Qs9C40YLQtQ==?= and =?iso-8859-1?q?ma=F1ana?=",
            sender="=?koi8-r?b?4c7OwQ==?= <anna@example.net>",
        ),
        mails.text_mail("body", subject="=?x-bogus?q?caf=E9?= now"),
    )
    mail_inbound.poll(channel)
    first, second = Message.objects.order_by("pk")
    assert first.subject == "Помогите and mañana"
    assert first.conversation.contact.caller_name == "Анна"
    assert second.subject.endswith("now")  # the unknown charset's word kept as well as it can be


def test_an_html_only_email_is_kept_as_text_never_markup(channel, mailbox) -> None:
    mails.append(mailbox, mails.html_only())
    mail_inbound.poll(channel)
    body = only_message().body
    assert body == "I need help & a place to stay.\n\nCall me after 6."
    assert "<" not in body and "alert" not in body and "tracker" not in body


def test_a_nested_multipart_email_gives_its_text_part_and_counts_its_attachment(
    channel, mailbox
) -> None:
    mails.append(mailbox, mails.nested_multipart())
    mail_inbound.poll(channel)
    message = only_message()
    assert message.body == "Olá, I am writing from the shelter."
    (kept,) = message.attachments.all()
    assert (kept.filename, kept.detected_type, kept.size) == ("letter.pdf", "application/pdf", 18)


def test_an_email_over_the_size_limit_is_taken_as_its_header_with_a_note(
    channel, mailbox, settings
) -> None:
    settings.EMAIL_MAX_BYTES = 1000
    mails.append(mailbox, mails.text_mail("x" * 5000, subject="Big one"))
    mail_inbound.poll(channel)
    message = only_message()
    assert message.subject == "Big one"
    assert "only its header was read" in message.body and "xxx" not in message.body


def test_the_sweep_polls_a_due_channel_once_per_interval(channel, mailbox, settings) -> None:
    settings.EMAIL_POLL_SECONDS = 60
    mails.append(mailbox, mails.text_mail("from the sweep"))
    now = timezone.now()

    assert sweep.run(now)["hotline.channels.mail_inbound.poll_due"] == 1
    mails.append(mailbox, mails.text_mail("later"))
    assert mail_inbound.poll_due(now + dt.timedelta(seconds=30)) == 0  # not due yet
    assert mail_inbound.poll_due(now + dt.timedelta(seconds=61)) == 1
    assert Message.objects.count() == 2


def test_a_mailbox_that_refuses_the_password_is_said_and_nothing_is_taken(
    channel, mailbox, monkeypatch
) -> None:
    mails.append(mailbox, mails.text_mail("waiting"))
    monkeypatch.setenv("HOTLINE_TEST_IMAP_PASSWORD", "wrong")

    assert mail_inbound.poll_due(timezone.now()) == 0

    channel.refresh_from_db()
    assert channel.mail_error == "The IMAP server refused the user name or password."
    assert not Message.objects.exists() and channel.mail_last_uid == 0
    # Mended: the next poll takes the message and clears the error.
    monkeypatch.setenv("HOTLINE_TEST_IMAP_PASSWORD", mailbox.password)
    assert mail_inbound.poll_due(timezone.now() + dt.timedelta(hours=1)) == 1
    channel.refresh_from_db()
    assert channel.mail_error == ""


def test_an_email_channel_without_tls_is_refused_for_a_remote_server(mailbox, monkeypatch) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        mails.make_channel(mailbox, monkeypatch, mail_host="imap.example.org")
    assert "mail_security" in error.value.message_dict
    assert not Channel.objects.exists()


def test_quoted_replies_are_split_for_display_and_kept_whole() -> None:
    body = "Yes, tomorrow works.\n\nOn Mon, 7 Dec 2026 at 10:00, Hotline wrote:\n> Can we call?"
    assert mail_parse.split_quoted(body) == (
        "Yes, tomorrow works.",
        "On Mon, 7 Dec 2026 at 10:00, Hotline wrote:\n> Can we call?",
    )
    assert mail_parse.split_quoted("> only a quote") == ("> only a quote", "")
    assert mail_parse.split_quoted("no quote") == ("no quote", "")


def test_garbage_never_crashes_the_parser() -> None:
    for raw in (b"", b"\x00\xff\xfe", b"From: \xff\xfe\r\nSubject: =?utf-8?b?!!?=\r\n\r\n\xff"):
        parsed = mail_parse.parse(raw)
        assert "\x00" not in parsed.body
    assert Conversation.objects.count() == 0
