"""The gate before any text: a channel and a number, no STOP, a body within limits, and the
safe-contact plan. Every refusal says why in words, is audited with codes only, and stores no
message; an allowed text is stored pending, queued for the worker, and answers the contact."""

from typing import Any

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from hotline.audit.models import AuditEvent
from hotline.channels import outbound
from hotline.channels.models import (
    Channel,
    Conversation,
    Correspondent,
    Direction,
    Message,
    MessageStatus,
    Purpose,
)
from hotline.channels.tests.signing import sms_channel
from hotline.contacts.actions import receive
from hotline.contacts.models import Contact
from hotline.lib import lookup

# New work, not messages taken after hours (whose acknowledgement is their first response).
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("business_hours_always_open")]

NUMBER = "+12025550143"
STOP_REASON = "This person texted STOP; texts resume only when they text START."
UNSAFE_REASON = "The safe-contact plan says texting this person is not safe."
ASK_REASON = (
    "No safe-contact plan is recorded: ask the person whether texting is safe, and confirm "
    "that you asked."
)


@pytest.fixture
def channel(tmp_path: Any) -> Channel:
    return sms_channel(tmp_path)


def a_call(**fields: Any) -> Contact:
    values = {"channel": "phone", "caller_phone": "(202) 555-0143", **fields}
    return receive(Contact(**values))


def refusals(contact: Contact) -> list[dict[str, Any]]:
    return [
        event.detail
        for event in AuditEvent.objects.filter(
            action="channels.text_refused", object_id=str(contact.pk)
        )
    ]


def refused(contact: Contact, body: str, personas: dict[str, Any], **kwargs: Any) -> str:
    """Send, expect a refusal, and check that it stored nothing but its audit event."""
    messages, conversations = Message.objects.count(), Conversation.objects.count()
    tasks, responded = DBTaskResult.objects.count(), contact.first_response_at
    with pytest.raises(outbound.Refused) as refusal:
        outbound.send_text(contact, body, actor=personas["specialist"], **kwargs)
    assert Message.objects.count() == messages
    assert Conversation.objects.count() == conversations
    assert DBTaskResult.objects.count() == tasks
    contact.refresh_from_db()
    assert contact.first_response_at == responded
    return str(refusal.value)


# --- Allowed ---------------------------------------------------------------------------------


def test_a_reply_to_a_caller_starts_a_conversation_on_the_active_channel(
    channel, personas, django_capture_on_commit_callbacks
) -> None:
    contact = a_call()
    with django_capture_on_commit_callbacks(execute=True):
        message = outbound.send_text(
            contact, "  We can talk now.  ", actor=personas["specialist"], purpose=Purpose.REPLY
        )
    message.refresh_from_db()
    assert (message.direction, message.purpose, message.status) == (
        Direction.OUT,
        Purpose.REPLY,
        MessageStatus.PENDING,
    )
    assert message.body == "We can talk now."
    assert message.sent_by == personas["specialist"]
    assert message.next_attempt_at is not None and message.next_attempt_at <= timezone.now()
    conversation = message.conversation
    assert (conversation.contact, conversation.channel) == (contact, channel)
    # The number as E.164, found by the same keyed hash a text from it will carry.
    assert conversation.correspondent.address == NUMBER
    assert conversation.correspondent.address_hash == lookup.phone_hash(NUMBER)
    (task,) = DBTaskResult.objects.all()
    assert task.task_path == "hotline.channels.outbound.deliver"
    assert task.args_kwargs["args"] == [message.pk]  # an id: nothing personal in the queue
    (queued,) = AuditEvent.objects.filter(action="channels.text_queued")
    assert queued.object_id == str(message.pk)
    assert queued.detail == {
        "contact": contact.pk,
        "conversation": conversation.pk,
        "purpose": "reply",
        "asked_safe": False,
    }
    contact.refresh_from_db()
    assert contact.first_response_at is not None
    assert (
        AuditEvent.objects.filter(action="contact.respond", object_id=str(contact.pk)).count() == 1
    )


def test_a_second_text_joins_the_conversation_and_keeps_the_first_response(
    channel, personas
) -> None:
    contact = a_call()
    first = outbound.send_text(contact, "One.", actor=personas["specialist"], purpose="reply")
    contact.refresh_from_db()
    responded = contact.first_response_at
    second = outbound.send_text(contact, "Two.", actor=personas["supervisor"], purpose="reply")
    assert first.conversation_id == second.conversation_id
    assert Correspondent.objects.count() == 1
    contact.refresh_from_db()
    assert contact.first_response_at == responded
    assert AuditEvent.objects.filter(action="contact.respond").count() == 1


def test_a_text_to_a_number_that_wrote_before_reuses_its_correspondent(channel, personas) -> None:
    earlier = Correspondent.objects.create(channel=channel, address=NUMBER)
    message = outbound.send_text(a_call(), "Hello.", actor=personas["specialist"], purpose="reply")
    assert message.conversation.correspondent == earlier


def test_a_referral_is_allowed_with_no_plan_when_the_specialist_asked(channel, personas) -> None:
    contact = a_call(safe_to_text=None)
    message = outbound.send_text(
        contact,
        "Safe House, 555-0100",
        actor=personas["specialist"],
        purpose=Purpose.REFERRAL,
        asked_safe=True,
    )
    assert message.status == MessageStatus.PENDING
    event = AuditEvent.objects.get(action="channels.text_queued")
    assert event.detail["asked_safe"] is True
    assert event.detail["purpose"] == "referral"


@pytest.mark.parametrize("purpose", [Purpose.REFERRAL, Purpose.RESOURCE, Purpose.REPLY])
def test_a_plan_that_allows_texts_needs_no_asking(channel, personas, purpose) -> None:
    contact = a_call(safe_to_text=True)
    assert outbound.may_text(contact, purpose) is None
    message = outbound.send_text(contact, "Here.", actor=personas["specialist"], purpose=purpose)
    assert Message.objects.get() == message
    assert AuditEvent.objects.get(action="channels.text_queued").detail["asked_safe"] is False


def test_a_reply_needs_no_plan(channel, personas) -> None:
    contact = a_call(safe_to_text=None)
    assert outbound.may_text(contact, Purpose.REPLY) is None
    outbound.send_text(contact, "Yes.", actor=personas["specialist"], purpose=Purpose.REPLY)
    assert Message.objects.count() == 1


def test_a_text_of_exactly_the_limit_is_allowed(channel, personas) -> None:
    body = "é" * outbound.MAX_LENGTH
    message = outbound.send_text(a_call(), body, actor=personas["specialist"], purpose="reply")
    message.refresh_from_db()
    assert message.body == body


# --- Refused -----------------------------------------------------------------------------------


def test_no_active_channel_is_refused(tmp_path, personas) -> None:
    sms_channel(tmp_path, active=False)
    contact = a_call()
    reason = refused(contact, "Hello.", personas, purpose=Purpose.REPLY)
    assert reason == "Texting is not set up: no text channel is active."
    assert refusals(contact) == [{"purpose": "reply", "reason": "no_channel", "channel": None}]


def test_a_conversation_whose_channel_was_switched_off_is_refused(channel, personas) -> None:
    contact = a_call()
    outbound.send_text(contact, "One.", actor=personas["specialist"], purpose="reply")
    contact.refresh_from_db()
    Channel.objects.filter(pk=channel.pk).update(active=False)
    reason = refused(contact, "Two.", personas, purpose=Purpose.REPLY)
    assert reason == "The text number of this conversation is switched off."
    assert refusals(contact)[0]["reason"] == "channel_inactive"
    assert Message.objects.count() == 1


@pytest.mark.parametrize("phone", ["", "555", "call my sister"])
def test_no_number_to_text_is_refused(channel, personas, phone) -> None:
    contact = a_call(caller_phone=phone)
    reason = refused(contact, "Hello.", personas, purpose=Purpose.REPLY)
    assert reason == "There is no number to text: no phone number is recorded."
    assert refusals(contact) == [{"purpose": "reply", "reason": "no_number", "channel": channel.pk}]


@pytest.mark.parametrize("purpose", [Purpose.REPLY, Purpose.REFERRAL, Purpose.RESOURCE])
def test_a_number_that_texted_stop_is_refused(channel, personas, purpose) -> None:
    contact = a_call(safe_to_text=True)
    outbound.send_text(contact, "One.", actor=personas["specialist"], purpose="reply")
    contact.refresh_from_db()
    Correspondent.objects.update(opted_out_at=timezone.now())
    assert outbound.may_text(contact, purpose) == STOP_REASON
    assert refused(contact, "Two.", personas, purpose=purpose) == STOP_REASON
    assert refusals(contact)[0]["reason"] == "opted_out"


def test_stop_before_any_conversation_is_refused(channel, personas) -> None:
    # The number texted STOP to this channel on another contact; this call's texts stop too.
    Correspondent.objects.create(channel=channel, address=NUMBER, opted_out_at=timezone.now())
    contact = a_call()
    assert refused(contact, "Hello.", personas, purpose=Purpose.REPLY) == STOP_REASON


@pytest.mark.parametrize("body", ["", "   \n "])
def test_an_empty_text_is_refused(channel, personas, body) -> None:
    contact = a_call()
    assert refused(contact, body, personas, purpose="reply") == "Write the text before sending it."
    assert refusals(contact)[0]["reason"] == "empty"


def test_a_text_over_the_limit_is_refused(channel, personas) -> None:
    contact = a_call()
    reason = refused(contact, "x" * 1601, personas, purpose="reply")
    assert reason == "A text can be at most 1600 characters; this one has 1601."
    assert refusals(contact)[0]["reason"] == "too_long"


@pytest.mark.parametrize("purpose", [Purpose.REPLY, Purpose.REFERRAL, Purpose.RESOURCE])
def test_a_plan_that_forbids_texts_refuses_every_purpose(channel, personas, purpose) -> None:
    contact = a_call(safe_to_text=False)
    assert outbound.may_text(contact, purpose) == UNSAFE_REASON
    assert outbound.may_text(contact, purpose, asked_safe=True) == UNSAFE_REASON
    assert refused(contact, "Hi.", personas, purpose=purpose, asked_safe=True) == UNSAFE_REASON
    assert refusals(contact) == [{"purpose": purpose, "reason": "unsafe", "channel": channel.pk}]


@pytest.mark.parametrize("purpose", [Purpose.REFERRAL, Purpose.RESOURCE])
def test_a_referral_or_resource_with_no_plan_needs_asking(channel, personas, purpose) -> None:
    contact = a_call(safe_to_text=None)
    assert outbound.may_text(contact, purpose) == ASK_REASON
    assert outbound.may_text(contact, purpose, asked_safe=True) is None
    assert refused(contact, "Safe House", personas, purpose=purpose) == ASK_REASON
    assert refusals(contact)[0]["reason"] == "not_asked"


def test_the_refusal_audit_holds_no_personal_data(channel, personas) -> None:
    contact = a_call(safe_to_text=False)
    refused(contact, "They took my passport", personas, purpose="reply")
    event = AuditEvent.objects.get(action="channels.text_refused")
    text = repr(event.detail)
    assert "passport" not in text and "555" not in text and "0143" not in text
    assert event.actor_id == personas["specialist"].pk


@pytest.mark.parametrize("purpose", [Purpose.AUTO_REPLY, Purpose.MESSAGE, "shout"])
def test_only_replies_referrals_and_resources_are_sent_from_the_console(
    channel, personas, purpose
) -> None:
    with pytest.raises(ValueError):
        outbound.send_text(a_call(), "Hi.", actor=personas["specialist"], purpose=purpose)
    with pytest.raises(ValueError):
        outbound.may_text(a_call(), purpose)
    assert not Message.objects.exists()
