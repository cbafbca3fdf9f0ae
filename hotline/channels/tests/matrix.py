from hotline.contacts.tests.matrix import WORKERS, a_contact
from hotline.tests.matrix import Row, everyone, only


def a_texted_contact(personas: dict) -> dict:
    """A conversation with a text in and a reply not sent yet: the contact's page with its
    Texts section (the screen-width and accessibility tests open it too)."""
    from hotline.channels.models import (
        Channel,
        Conversation,
        Correspondent,
        Direction,
        Message,
        MessageStatus,
        Purpose,
    )
    from hotline.contacts.actions import receive
    from hotline.contacts.models import Contact

    channel = Channel.objects.create(
        name="Matrix texts", address="+15005550006", secret_env="HOTLINE_MATRIX_TOKEN"
    )
    number = "+12025550147"
    correspondent = Correspondent.objects.create(channel=channel, address=number)
    contact = receive(Contact(channel="sms", caller_phone=number))
    conversation = Conversation.objects.create(
        channel=channel, correspondent=correspondent, contact=contact
    )
    common = {"channel": channel, "conversation": conversation}
    Message.objects.create(
        **common, direction=Direction.IN, body="Matrix text (fictional)", status="received"
    )
    Message.objects.create(
        **common,
        direction=Direction.OUT,
        purpose=Purpose.REPLY,
        body="Matrix reply (fictional)",
        status=MessageStatus.PENDING,
        last_error="The provider did not answer in time.",
    )
    return {"contact_id": contact.pk}


def a_call(personas: dict) -> dict:
    """A call that rang and was answered, from a number with an earlier contact: the screen pop
    shows it with its history, the contact's page its Calls section."""
    from django.utils import timezone

    from hotline.channels.models import Call, Channel
    from hotline.contacts.actions import receive
    from hotline.contacts.models import Contact

    channel = Channel.objects.create(
        name="Matrix phone line",
        kind="voice",
        address="+15005550007",
        secret_env="HOTLINE_MATRIX_TOKEN",
    )
    number = "+12025550148"
    receive(Contact(channel="phone", caller_phone=number))
    contact = receive(Contact(channel="phone", caller_phone=number))
    call = Call.objects.create(
        channel=channel,
        contact=contact,
        provider_id="CA" + "7" * 32,
        caller=number,
        status="in_progress",
        started_at=timezone.now(),
        answered_at=timezone.now(),
    )
    return {"call_id": call.pk, "contact_id": contact.pk}


def a_called_contact(personas: dict) -> dict:
    return {"contact_id": a_call(personas)["contact_id"]}


def a_call_only(personas: dict) -> dict:
    return {"call_id": a_call(personas)["call_id"]}


def an_unknown_channel(personas: dict) -> dict:
    return {"public_id": "0" * 32}


# Provider webhooks: no session, the provider's signature is the check (test_sms_inbound.py and
# test_sms_status.py sign them); a person signed in or not gets the same answers.
def an_email_attachment(personas: dict) -> dict:
    """An email conversation whose message has a kept attachment (a file on disk)."""
    from hotline.channels import attachments
    from hotline.channels.models import (
        Attachment,
        AttachmentState,
        Channel,
        Conversation,
        Correspondent,
        Direction,
        Message,
    )
    from hotline.contacts.actions import receive
    from hotline.contacts.models import Contact

    channel = Channel.objects.create(
        name="Matrix mail",
        kind="email",
        provider="mailbox",
        address="tips@hotline.example.org",
        secret_env="HOTLINE_MATRIX_TOKEN",
    )
    address = "matrix@example.net"
    correspondent = Correspondent.objects.create(channel=channel, address=address)
    contact = receive(Contact(channel="email", caller_email=address))
    conversation = Conversation.objects.create(
        channel=channel, correspondent=correspondent, contact=contact
    )
    message = Message.objects.create(
        channel=channel,
        conversation=conversation,
        direction=Direction.IN,
        subject="Matrix (fictional)",
        body="Matrix email (fictional)",
        status="received",
    )
    name, digest = attachments.store(b"%PDF-1.4 matrix")
    kept = Attachment.objects.create(
        message=message,
        stored_name=name,
        sha256=digest,
        filename="matrix.pdf",
        declared_type="application/pdf",
        detected_type="application/pdf",
        size=15,
        state=AttachmentState.STORED,
    )
    return {"contact_id": contact.pk, "attachment_id": kept.pk}


def an_email_attachment_contact(personas: dict) -> dict:
    return {"contact_id": an_email_attachment(personas)["contact_id"]}


ROWS = [
    Row("channels:sms_inbound", everyone(405), kwargs=an_unknown_channel),
    Row("channels:sms_inbound", everyone(404), method="post", kwargs=an_unknown_channel),
    Row("channels:sms_status", everyone(405), kwargs=an_unknown_channel),
    Row("channels:sms_status", everyone(404), method="post", kwargs=an_unknown_channel),
    Row("channels:voice_inbound", everyone(405), kwargs=an_unknown_channel),
    Row("channels:voice_inbound", everyone(404), method="post", kwargs=an_unknown_channel),
    # Calls from another phone system: an intake API token is the check (test_voice_api.py).
    Row("api:calls-event", everyone(401), method="post"),
    Row("api:calls-event", everyone(405)),
    Row("channels:voice_status", everyone(405), kwargs=an_unknown_channel),
    Row("channels:voice_status", everyone(404), method="post", kwargs=an_unknown_channel),
    Row("contacts:detail", only(WORKERS), kwargs=a_texted_contact),
    Row("contacts:detail", only(WORKERS), kwargs=a_called_contact),
    # The screen pop: whoever works contacts (the call above is shown, with its history).
    Row("calls:screen_pop", only(WORKERS), kwargs=lambda p: (a_call(p), {})[1]),
    # Its refresh (a background view: a signed-out script is told to sign in, 401).
    Row(
        "calls:screen_pop_rows",
        {**only(WORKERS), "anonymous": 401},
        kwargs=lambda p: (a_call(p), {})[1],
    ),
    Row(
        "calls:interpreter",
        only(WORKERS, 302),
        method="post",
        kwargs=a_call_only,
        # Nothing filled in: refused in words on the contact's page (a redirect back to it).
        data=lambda p: {},
    ),
    Row("calls:interpreter", only(WORKERS, 405), kwargs=a_call_only),
    # The console's texts: whoever works contacts and may change this one (an open, unassigned
    # contact). With no text channel the gate refuses, and the page says why (a redirect).
    Row(
        "texts:reply",
        only(WORKERS, 302),
        method="post",
        kwargs=a_contact,
        data=lambda p: {"body": "Matrix reply (fictional)"},
    ),
    Row("texts:reply", only(WORKERS, 405), kwargs=a_contact),
    # No such referral of this contact: 404 once the contact is allowed.
    Row(
        "texts:send",
        only(WORKERS, 404),
        method="post",
        kwargs=a_contact,
        data=lambda p: {"referral": "999999"},
    ),
    Row("texts:send", only(WORKERS, 405), kwargs=a_contact),
    # The email reply: the same people; a contact that did not write by email is refused in
    # words on the page (a redirect), nothing sent.
    Row(
        "texts:email_reply",
        only(WORKERS, 302),
        method="post",
        kwargs=a_contact,
        data=lambda p: {"body": "Matrix reply (fictional)"},
    ),
    Row("texts:email_reply", only(WORKERS, 405), kwargs=a_contact),
    # An email's attachment: a download for whoever may see the contact.
    Row("texts:attachment", only(WORKERS), kwargs=an_email_attachment),
    Row("texts:attachment", only(WORKERS, 405), method="post", kwargs=an_email_attachment),
    Row("contacts:detail", only(WORKERS), kwargs=an_email_attachment_contact),
]
