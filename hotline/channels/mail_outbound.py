"""An email to a person, as it leaves: its subject, its thread headers and its sending.

A reply is threaded to the conversation's latest message received: In-Reply-To names that
message, References its references and it (the newest MAX_REFERENCES), so the person's mail
program shows the answer under their message. The subject is theirs with "Re:" and the
contact's reference number, which lets a later answer without thread headers join from the
same address (mail_inbound). Every message we send has its own Message-ID, given when it is
queued and kept in `provider_id`: a retry sends the same id, a bounce names it, a reply to it
finds the conversation. An automatic message (the acknowledgement) says so with
`Auto-Submitted: auto-replied` (RFC 3834), so that the person's own auto-responder stays quiet.
"""

import smtplib
from email.utils import formataddr, make_msgid

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.translation import gettext as _

from hotline.channels import mail_parse
from hotline.channels.models import Conversation, Direction, Message, MessageStatus, Purpose
from hotline.channels.providers import SendError, Sent
from hotline.channels.providers import mailbox as transport


def new_message_id(address: str) -> str:
    """A Message-ID in the channel's domain, without its brackets, as stored."""
    domain = address.rpartition("@")[2] or "hotline.invalid"
    return make_msgid(domain=domain).strip("<>")


def thread_of(conversation: Conversation) -> tuple[str, list[str], str]:
    """(the subject, the References, the id replied to) for the next message we send."""
    latest = (
        conversation.messages.filter(direction=Direction.IN)
        .order_by("-created_at", "-pk")
        .only("provider_id", "subject", "references")
        .first()
    )
    reference = conversation.contact.reference
    if latest is None or not latest.provider_id:
        return (
            _("Your message to %(name)s (%(ref)s)")
            % {
                "name": settings.HOTLINE_NAME,
                "ref": reference,
            },
            [],
            "",
        )
    subject = mail_parse.reply_subject(latest.subject or "")
    if reference not in subject:
        subject = f"{subject} [{reference}]"
    references = [*latest.references, latest.provider_id][-mail_parse.MAX_REFERENCES :]
    return subject[: mail_parse.MAX_SUBJECT_LENGTH], references, latest.provider_id


def compose(message: Message) -> EmailMessage:
    channel = message.channel
    to = message.conversation.correspondent.address
    headers = {"Message-ID": f"<{message.provider_id}>"}
    if message.references:
        headers["In-Reply-To"] = f"<{message.references[-1]}>"
        headers["References"] = " ".join(f"<{ref}>" for ref in message.references)
    if message.purpose == Purpose.ACKNOWLEDGEMENT:
        headers["Auto-Submitted"] = "auto-replied"
    return EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=formataddr((settings.HOTLINE_NAME, channel.address)),
        to=[to],
        headers=headers,
    )


def send(message: Message) -> Sent:
    """Hand the message to the SMTP server; raises SendError (its detail names no address)."""
    try:
        transport.send(compose(message))
    except smtplib.SMTPRecipientsRefused:
        raise SendError(_("The mail server refused the address."), retry=False) from None
    except smtplib.SMTPDataError as error:
        permanent = 500 <= error.smtp_code < 600
        raise SendError(
            _("The mail server refused the message (%(code)s).") % {"code": error.smtp_code},
            retry=not permanent,
            code=str(error.smtp_code),
        ) from None
    except (smtplib.SMTPException, OSError) as error:
        raise SendError(
            _("The mail server cannot be reached (%(kind)s).") % {"kind": type(error).__name__},
            retry=True,
        ) from None
    return Sent(provider_id=message.provider_id or "", status=MessageStatus.SENT)
