"""Email out: a specialist answers an email conversation from the contact's page, the worker sends
it over SMTP (a real aiosmtpd server) threaded to the person's message, and what comes back (an
answer, a bounce) finds it; the acknowledgement goes once, never to a program."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from hotline.audit.models import AuditEvent
from hotline.channels import mail_inbound, outbound
from hotline.channels.models import Channel, Direction, Message, MessageStatus, Purpose
from hotline.channels.tests import mails
from hotline.contacts.actions import receive
from hotline.contacts.models import Contact
from hotline.hours.models import Calendar, SlaPolicy

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(mailbox, monkeypatch, no_acknowledgements) -> Channel:
    return mails.make_channel(mailbox, monkeypatch)


def emailed(channel, mailbox, *raw: bytes) -> Contact:
    mails.append(mailbox, *raw)
    mail_inbound.poll(channel)
    channel.refresh_from_db()
    return Message.objects.filter(direction=Direction.IN).latest("pk").conversation.contact


def page(client, contact: Contact) -> str:
    response = client.get(reverse("contacts:detail", args=[contact.pk]))
    assert response.status_code == 200
    return response.content.decode()


def emails_part(body: str) -> str:
    start = body.index('id="emails"')
    return body[start : body.index("</section>", start)]


def deliver_all() -> list[str]:
    now = timezone.now()
    pending = Message.objects.filter(direction=Direction.OUT, status=MessageStatus.PENDING)
    return [outbound.attempt(pk, now) for pk in pending.values_list("pk", flat=True)]


def test_a_reply_from_the_contact_page_reaches_the_smtp_server_threaded(
    channel, mailbox, smtp, client_for
) -> None:
    contact = emailed(
        channel,
        mailbox,
        mails.text_mail(
            "They took my passport.",
            subject="Help",
            message_id="<first@example.net>",
            extra="References: <older@example.net>",
        ),
    )
    client = client_for("specialist")

    response = client.post(
        reverse("texts:email_reply", args=[contact.pk]), {"body": "We can help. Are you safe?"}
    )

    assert response.status_code == 302 and response.url.endswith("#emails")
    reply = Message.objects.get(direction=Direction.OUT)
    assert (reply.status, reply.purpose) == (MessageStatus.PENDING, Purpose.REPLY)
    assert deliver_all() == ["sent"]
    (sent,) = smtp.received
    assert sent["To"] == mails.ANA
    assert mails.HOTLINE in sent["From"]
    assert sent["Subject"] == f"Re: Help [{contact.reference}]"
    assert sent["In-Reply-To"] == "<first@example.net>"
    assert sent["References"] == "<older@example.net> <first@example.net>"
    assert sent["Message-ID"] == f"<{reply.provider_id}>"
    assert sent.get_content().strip() == "We can help. Are you safe?"
    reply.refresh_from_db()
    assert reply.status == MessageStatus.SENT
    assert reply.sent_by is not None and reply.sent_by.username == "specialist"
    assert AuditEvent.objects.filter(action="channels.email_queued").count() == 1
    assert AuditEvent.objects.filter(action="channels.email_sent").count() == 1
    contact.refresh_from_db()
    assert contact.first_response_at is not None


def test_the_persons_answer_to_our_reply_joins_and_a_bounce_of_it_is_shown(
    channel, mailbox, smtp, client_for
) -> None:
    contact = emailed(channel, mailbox, mails.text_mail("first", message_id="<one@example.net>"))
    client = client_for("specialist")
    client.post(reverse("texts:email_reply", args=[contact.pk]), {"body": "Answer"})
    deliver_all()
    ours = Message.objects.get(direction=Direction.OUT)

    emailed(
        channel,
        mailbox,
        mails.text_mail(
            "Thanks.\n\nOn Mon, Hotline wrote:\n> Answer",
            extra=f"In-Reply-To: <{ours.provider_id}>",
        ),
        mails.bounce(ours.provider_id or "", "5.2.2"),
    )

    assert Contact.objects.count() == 1
    ours.refresh_from_db()
    assert (ours.status, ours.error_code) == (MessageStatus.UNDELIVERED, "5.2.2")
    part = emails_part(page(client, contact))
    assert "the email came back undelivered (5.2.2)" in part
    assert "Thanks." in part and "Quoted earlier mail" in part


def test_the_contact_page_shows_the_email_thread_as_text_and_audits_the_view(
    channel, mailbox, client_for
) -> None:
    contact = emailed(channel, mailbox, mails.html_only(subject="Ayuda"))
    body = page(client_for("specialist"), contact)

    part = emails_part(body)
    assert "Subject: Ayuda" in part
    assert "I need help &amp; a place to stay." in part
    assert "<script" not in part and "tracker.example.com" not in body
    assert 'id="texts"' not in body  # an email conversation is not offered as texts
    assert AuditEvent.objects.filter(action="channels.conversation_view").count() == 1


def test_an_email_reply_to_a_contact_that_did_not_write_by_email_is_refused(
    client_for,
) -> None:
    contact = receive(Contact(channel="phone", caller_email=mails.ANA))
    client = client_for("specialist")
    response = client.post(
        reverse("texts:email_reply", args=[contact.pk]), {"body": "Hello"}, follow=True
    )
    assert "this contact did not come by email" in response.content.decode()
    assert not Message.objects.exists()
    assert AuditEvent.objects.get(action="channels.email_refused").detail["reason"] == "no_email"


def test_an_empty_reply_is_refused_in_words(channel, mailbox, client_for) -> None:
    contact = emailed(channel, mailbox, mails.text_mail("hello"))
    response = client_for("specialist").post(
        reverse("texts:email_reply", args=[contact.pk]), {"body": "  "}, follow=True
    )
    assert "Write the email before sending it." in response.content.decode()
    assert not Message.objects.filter(direction=Direction.OUT).exists()


def test_a_mail_server_that_is_down_keeps_the_reply_pending_for_a_retry(
    channel, mailbox, settings, client_for
) -> None:
    from hotline.channels.tests.mailserver import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nothing listens
    contact = emailed(channel, mailbox, mails.text_mail("hello"))
    client_for("specialist").post(reverse("texts:email_reply", args=[contact.pk]), {"body": "Hi"})

    assert deliver_all() == ["retry"]
    reply = Message.objects.get(direction=Direction.OUT)
    assert reply.status == MessageStatus.PENDING and reply.next_attempt_at is not None
    assert reply.last_error == "The mail server cannot be reached (ConnectionRefusedError)."


@pytest.fixture
def acknowledging() -> SlaPolicy:
    return SlaPolicy.objects.create(
        name="Email, acknowledged",
        position=0,
        channels=["email"],
        calendar=Calendar.objects.get(name="24/7"),
        resolution_minutes=24 * 60,
        acknowledge=True,
    )


def test_the_acknowledgement_goes_once_per_conversation(
    channel, mailbox, smtp, acknowledging
) -> None:
    contact = emailed(channel, mailbox, mails.text_mail("first", message_id="<a1@example.net>"))
    emailed(channel, mailbox, mails.text_mail("more", extra="In-Reply-To: <a1@example.net>"))

    assert deliver_all() == ["sent"]
    (ack,) = smtp.received
    assert ack["Auto-Submitted"] == "auto-replied"
    assert ack["In-Reply-To"] == "<a1@example.net>"
    assert contact.reference in ack.get_content()
    assert "We will answer by" in ack.get_content()
    message = Message.objects.get(direction=Direction.OUT)
    assert message.purpose == Purpose.ACKNOWLEDGEMENT and message.sent_by is None


def test_no_acknowledgement_goes_to_a_program(channel, mailbox, smtp, acknowledging) -> None:
    emailed(
        channel,
        mailbox,
        mails.auto_reply(),
        mails.text_mail("digest", extra="Precedence: list\nList-Id: <l.example.org>"),
    )
    assert Contact.objects.count() == 2
    assert deliver_all() == []
    assert not Message.objects.filter(direction=Direction.OUT).exists()
    assert smtp.received == []


def test_the_sweep_sends_an_email_that_is_due(channel, mailbox, smtp, client_for) -> None:
    contact = emailed(channel, mailbox, mails.text_mail("hello"))
    client_for("specialist").post(reverse("texts:email_reply", args=[contact.pk]), {"body": "Hi"})
    assert outbound.send_due(timezone.now() + dt.timedelta(seconds=1)) == 1
    assert len(smtp.received) == 1


def test_emails_are_on_the_timeline_in_words(channel, mailbox, smtp, client_for) -> None:
    import html

    contact = emailed(channel, mailbox, mails.text_mail("They watch my phone", subject="Hi"))
    client = client_for("specialist")
    client.post(reverse("texts:email_reply", args=[contact.pk]), {"body": "We are here."})
    deliver_all()
    body = html.unescape(page(client, contact))
    timeline = body[body.index('id="timeline-heading"') :]
    assert "Email received" in timeline and "Hi · They watch my phone" in timeline
    assert "Reply sent by email" in timeline and "(Sent)" in timeline
    assert "Text received" not in timeline


def test_a_text_to_an_email_contact_is_refused_in_words(
    channel, mailbox, client_for, tmp_path
) -> None:
    from hotline.channels.tests.signing import make_channel as make_sms_channel

    make_sms_channel(tmp_path)
    contact = emailed(channel, mailbox, mails.text_mail("hello"))
    Contact.objects.filter(pk=contact.pk).update(caller_phone="+12025550123")
    client = client_for("specialist")

    response = client.post(
        reverse("texts:reply", args=[contact.pk]), {"body": "Hello"}, follow=True
    )

    import html

    assert "This contact's conversation is by email" in html.unescape(response.content.decode())
    assert not Message.objects.filter(direction=Direction.OUT).exists()
    assert 'id="texts"' not in page(client, contact)
