"""Email attachments, safely: kept under generated names (never the sender's file name as a
path), typed by their content, size-limited per file and per message, and downloaded by staff
only, as a download, never opened or shown by the server."""

import pytest
from django.urls import reverse

from hotline.audit.models import AuditEvent
from hotline.channels import attachments, mail_inbound
from hotline.channels.models import Attachment, AttachmentState, Channel, Message
from hotline.channels.tests import mails

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% fictional letter\n"


@pytest.fixture
def channel(mailbox, monkeypatch, no_acknowledgements) -> Channel:
    return mails.make_channel(mailbox, monkeypatch)


def taken(channel, mailbox, *raw: bytes) -> Message:
    mails.append(mailbox, *raw)
    mail_inbound.poll(channel)
    channel.refresh_from_db()
    return Message.objects.latest("pk")


def test_a_file_named_dot_dot_is_kept_under_a_generated_name_inside_its_directory(
    channel, mailbox, settings, tmp_path
) -> None:
    message = taken(channel, mailbox, mails.with_attachment(PDF, "../../x", "application/pdf"))

    (kept,) = message.attachments.all()
    assert kept.state == AttachmentState.STORED and kept.filename == "x"
    path = attachments.path_of(kept.stored_name)
    assert path.read_bytes() == PDF
    assert path.resolve().is_relative_to(settings.EMAIL_ATTACHMENT_DIR.resolve())
    assert path.name != "x" and attachments.stored_names() == [kept.stored_name]
    assert not any(p.name == "x" for p in tmp_path.rglob("x"))
    assert (path.stat().st_mode & 0o777) == 0o600


def test_the_type_is_what_the_content_is_not_what_the_sender_says(channel, mailbox) -> None:
    message = taken(
        channel,
        mailbox,
        mails.with_attachment(PDF, "photo.jpg", "image/jpeg"),
    )
    (kept,) = message.attachments.all()
    assert (kept.declared_type, kept.detected_type) == ("image/jpeg", "application/pdf")


def test_a_20_mb_attachment_over_the_limit_is_recorded_not_kept(channel, mailbox, settings) -> None:
    settings.EMAIL_MAX_BYTES = 40 * 1024 * 1024  # the message is read; its file is too large
    big = b"\x00" * (20 * 1024 * 1024)
    message = taken(channel, mailbox, mails.with_attachment(big, "video.mp4", "video/mp4"))

    (refused,) = message.attachments.all()
    assert (refused.state, refused.size, refused.stored_name) == (
        AttachmentState.TOO_LARGE,
        20 * 1024 * 1024,
        "",
    )
    assert attachments.stored_names() == []
    assert message.body == "See the file."


def test_the_attachments_of_one_message_are_limited_together(channel, mailbox, settings) -> None:
    settings.EMAIL_ATTACHMENT_MAX_BYTES = 1000
    settings.EMAIL_ATTACHMENTS_MAX_BYTES = 1500
    head = mails.headers(extra='Content-Type: multipart/mixed; boundary="p"')
    part = (
        b"--p\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Disposition: attachment; filename=f.bin\r\n\r\n" + b"a" * 800 + b"\r\n"
    )
    message = taken(channel, mailbox, head + b"\r\n" + part + part + b"--p--\r\n")
    assert [a.state for a in message.attachments.all()] == [
        AttachmentState.STORED,
        AttachmentState.MESSAGE_FULL,
    ]


def test_staff_download_an_attachment_as_a_download_and_it_is_audited(
    channel, mailbox, client_for
) -> None:
    message = taken(channel, mailbox, mails.with_attachment(PDF, "letter.pdf", "text/html"))
    kept = message.attachments.get()
    contact = message.conversation.contact
    client = client_for("specialist")

    page = client.get(reverse("contacts:detail", args=[contact.pk])).content.decode()
    url = reverse("texts:attachment", args=[contact.pk, kept.pk])
    assert f'href="{url}"' in page and "letter.pdf" in page

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"] == f'attachment; filename="attachment-{kept.pk}.pdf"'
    assert b"".join(response.streaming_content) == PDF
    event = AuditEvent.objects.get(action="channels.attachment_download")
    assert event.detail == {"contact": contact.pk, "type": "application/pdf"}


def test_an_attachment_is_found_only_through_its_own_contact(channel, mailbox, client_for) -> None:
    first = taken(channel, mailbox, mails.with_attachment(PDF, "a.pdf", "application/pdf"))
    other = taken(channel, mailbox, mails.text_mail("someone else", sender=mails.BEN))
    kept = first.attachments.get()
    client = client_for("specialist")
    response = client.get(
        reverse("texts:attachment", args=[other.conversation.contact_id, kept.pk])
    )
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="channels.attachment_download").exists()


def test_a_refused_attachment_has_no_download(channel, mailbox, settings, client_for) -> None:
    settings.EMAIL_ATTACHMENT_MAX_BYTES = 10
    message = taken(channel, mailbox, mails.with_attachment(PDF, "a.pdf", "application/pdf"))
    kept = message.attachments.get()
    contact = message.conversation.contact
    client = client_for("specialist")
    assert client.get(reverse("texts:attachment", args=[contact.pk, kept.pk])).status_code == 404
    page = client.get(reverse("contacts:detail", args=[contact.pk])).content.decode()
    assert "Not kept: larger than one file may be" in page


def test_stored_names_only_are_paths() -> None:
    for bad in ("../../x", "x", "0" * 31, "G" * 32):
        with pytest.raises(ValueError):
            attachments.path_of(bad)
    assert Attachment.objects.count() == 0
