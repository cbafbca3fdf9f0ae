"""Email fixtures written for the tests, as the bytes a mail program sends, and helpers that put
them in a real mailbox (IMAP APPEND) and read it as the worker does."""

import base64
import itertools
from email.utils import format_datetime
from typing import Any

from django.utils import timezone
from imap_tools import MailBoxUnencrypted

from hotline.channels.actions import add_channel
from hotline.channels.models import Channel, Kind, MailSecurity, Provider
from hotline.channels.tests.mailserver import Mailbox

HOTLINE = "help@hotline.example.org"
ANA = "ana@example.net"
BEN = "ben@example.com"
_ids = itertools.count(1)


def new_id() -> str:
    return f"<test-{next(_ids)}-{timezone.now().timestamp()}@example.net>"


def make_channel(mailbox: Mailbox, monkeypatch: Any, **fields: Any) -> Channel:
    monkeypatch.setenv("HOTLINE_TEST_IMAP_PASSWORD", mailbox.password)
    values: dict[str, Any] = {
        "kind": Kind.EMAIL,
        "provider": Provider.MAILBOX,
        "name": "Email tips",
        "address": HOTLINE,
        "mail_host": mailbox.host,
        "mail_port": mailbox.port,
        "mail_security": MailSecurity.NONE,
        "mail_user": mailbox.user,
        "secret_env": "HOTLINE_TEST_IMAP_PASSWORD",
        "urgency": "non_urgent",
    }
    values.update(fields)
    return add_channel(**values)


def append(mailbox: Mailbox, *messages: bytes) -> None:
    with MailBoxUnencrypted(mailbox.host, mailbox.port).login(
        mailbox.user, mailbox.password
    ) as box:
        for raw in messages:
            box.append(raw, "INBOX", dt=timezone.now())


def headers(
    *,
    sender: str = ANA,
    subject: str = "Help",
    message_id: str | None = None,
    extra: str = "",
) -> bytes:
    lines = [
        f"From: {sender}",
        f"To: {HOTLINE}",
        f"Subject: {subject}",
        f"Date: {format_datetime(timezone.now())}",
        "MIME-Version: 1.0",
    ]
    if message_id != "":
        lines.append(f"Message-ID: {message_id or new_id()}")
    if extra:
        lines.extend(extra.strip("\n").split("\n"))
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def text_mail(
    body: str,
    charset: str = "utf-8",
    *,
    declared: str | None = None,
    encoding: str = "8bit",
    extra: str = "",
    **kwargs: object,
) -> bytes:
    """A text/plain email whose body is `body` encoded in `charset`, labelled `declared`."""
    data = body.encode(charset)
    if encoding == "base64":
        data = base64.encodebytes(data)
    label = declared if declared is not None else charset
    head = headers(
        extra=f"Content-Type: text/plain; charset={label}\n"
        f"Content-Transfer-Encoding: {encoding}\n{extra}",
        **kwargs,  # type: ignore[arg-type]
    )
    return head + b"\r\n" + data.replace(b"\n", b"\r\n")


CHARSETS = {
    "utf-8": "Me quitaron el pasaporte. Помогите. 助けて",
    "iso-8859-1": "Me quitaron el pasaporte, no sé qué hacer.",
    "windows-1252": "They said “you owe us” — I can’t leave.",  # noqa: RUF001
    "koi8-r": "Помогите, у меня забрали паспорт.",  # noqa: RUF001
    "shift_jis": "パスポートを取られました。助けてください。",
    "gb2312": "他们拿走了我的护照，请帮助我。",  # noqa: RUF001
}


def html_only(**kwargs: object) -> bytes:
    html = (
        "<html><head><title>ignored title</title><style>p{color:red}</style></head><body>"
        "<p>I need <b>help</b> &amp; a place to stay.</p>"
        "<script>alert('x')</script><p>Call me after 6.</p>"
        '<img src="https://tracker.example.com/pixel.gif"></body></html>'
    )
    head = headers(extra="Content-Type: text/html; charset=utf-8", **kwargs)  # type: ignore[arg-type]
    return head + b"\r\n" + html.encode()


def nested_multipart(**kwargs: object) -> bytes:
    head = headers(extra='Content-Type: multipart/mixed; boundary="outer"', **kwargs)  # type: ignore[arg-type]
    body = (
        "--outer\r\n"
        'Content-Type: multipart/alternative; boundary="inner"\r\n\r\n'
        "--inner\r\n"
        "Content-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        "Ol=E1, I am writing from the shelter.\r\n"
        "--inner\r\n"
        "Content-Type: text/html; charset=utf-8\r\n\r\n"
        "<p>HTML copy that must not be the text</p>\r\n"
        "--inner--\r\n"
        "--outer\r\n"
        'Content-Type: application/pdf; name="letter.pdf"\r\n'
        'Content-Disposition: attachment; filename="letter.pdf"\r\n'
        "Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(b"%PDF-1.4 fictional").decode()
        + "\r\n--outer--\r\n"
    )
    return head + b"\r\n" + body.encode()


def auto_reply(**kwargs: Any) -> bytes:
    return text_mail(
        "I am out of the office until Monday.",
        extra="Auto-Submitted: auto-replied",
        subject="Automatic reply: Help",
        **kwargs,
    )


def bounce(bounced_id: str, status: str = "5.1.1") -> bytes:
    head = headers(
        sender="MAILER-DAEMON@mx.example.net",
        subject="Undelivered Mail Returned to Sender",
        extra=(
            "Auto-Submitted: auto-replied\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"'
        ),
    )
    body = (
        "--b1\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
        "This is the mail system. Your message could not be delivered.\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.net\r\n\r\n"
        f"Final-Recipient: rfc822; {ANA}\r\nAction: failed\r\nStatus: {status}\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        "--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: {HOTLINE}\r\nTo: {ANA}\r\nSubject: Re: Help\r\nMessage-ID: <{bounced_id}>\r\n"
        "--b1--\r\n"
    )
    return head + b"\r\n" + body.encode()


def with_attachment(data: bytes, filename: str, declared: str, **kwargs: Any) -> bytes:
    """A text email with one attachment, base64-encoded as mail programs send it."""
    head = headers(extra='Content-Type: multipart/mixed; boundary="part"', **kwargs)
    body = (
        b"--part\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee the file.\r\n"
        b"--part\r\n"
        + f'Content-Type: {declared}; name="{filename}"\r\n'.encode()
        + f'Content-Disposition: attachment; filename="{filename}"\r\n'.encode()
        + b"Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(data).replace(b"\n", b"\r\n")
        + b"--part--\r\n"
    )
    return head + b"\r\n" + body
