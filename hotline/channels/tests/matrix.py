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


def an_unknown_channel(personas: dict) -> dict:
    return {"public_id": "0" * 32}


# Provider webhooks: no session, the provider's signature is the check (test_sms_inbound.py and
# test_sms_status.py sign them); a person signed in or not gets the same answers.
ROWS = [
    Row("channels:sms_inbound", everyone(405), kwargs=an_unknown_channel),
    Row("channels:sms_inbound", everyone(404), method="post", kwargs=an_unknown_channel),
    Row("channels:sms_status", everyone(405), kwargs=an_unknown_channel),
    Row("channels:sms_status", everyone(404), method="post", kwargs=an_unknown_channel),
    Row("contacts:detail", only(WORKERS), kwargs=a_texted_contact),
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
]
