"""The provider's status callbacks: a sent message moves forward only, whatever order its
callbacks come in; an opt-out error marks the number opted out; unknown messages and requests
that are not the provider's change nothing."""

import pytest
from django.db.models import QuerySet
from django.test import Client

from hotline.audit.models import AuditEvent
from hotline.channels.models import (
    Channel,
    Conversation,
    Correspondent,
    Direction,
    Message,
    MessageStatus,
    Purpose,
    WebhookKey,
)
from hotline.channels.tests.signing import (
    make_channel,
    new_sid,
    post_signed,
    send_status,
    send_text,
    status_params,
)

pytestmark = pytest.mark.django_db

ANA = "+12025550123"


def status_keys() -> "QuerySet[WebhookKey]":
    return WebhookKey.objects.filter(key__startswith="status:")


@pytest.fixture
def channel(tmp_path) -> Channel:
    return make_channel(tmp_path)


@pytest.fixture
def sent(channel) -> Message:
    """A reply the provider accepted (as the outbound sender records it)."""
    send_text(Client(), channel, ANA, "hello")
    return Message.objects.create(
        channel=channel,
        conversation=Conversation.objects.get(),
        direction=Direction.OUT,
        purpose=Purpose.REPLY,
        provider_id=new_sid(),
        body="We are here to help.",
        status=MessageStatus.QUEUED,
    )


def test_delivered_then_sent_stays_delivered(channel, sent) -> None:
    assert send_status(Client(), channel, sent.provider_id, "delivered").status_code == 200
    sent.refresh_from_db()
    assert sent.status == MessageStatus.DELIVERED
    delivered_at = sent.status_at
    assert send_status(Client(), channel, sent.provider_id, "sent").status_code == 200
    sent.refresh_from_db()
    assert sent.status == MessageStatus.DELIVERED
    assert sent.status_at == delivered_at
    assert status_keys().count() == 2


def test_statuses_in_order_move_the_message_forward(channel, sent) -> None:
    send_status(Client(), channel, sent.provider_id, "sending")
    sent.refresh_from_db()
    assert sent.status == MessageStatus.QUEUED
    send_status(Client(), channel, sent.provider_id, "sent")
    sent.refresh_from_db()
    assert sent.status == MessageStatus.SENT
    send_status(Client(), channel, sent.provider_id, "delivered")
    sent.refresh_from_db()
    assert sent.status == MessageStatus.DELIVERED
    events = AuditEvent.objects.filter(action="channels.message_status", object_id=str(sent.pk))
    assert events.count() == 3


def test_a_failure_records_the_providers_error_code(channel, sent) -> None:
    send_status(Client(), channel, sent.provider_id, "undelivered", error="30003")
    sent.refresh_from_db()
    assert (sent.status, sent.error_code) == (MessageStatus.UNDELIVERED, "30003")
    assert Correspondent.objects.get().opted_out_at is None


def test_error_21610_marks_the_number_opted_out(channel, sent) -> None:
    send_status(Client(), channel, sent.provider_id, "failed", error="21610")
    sent.refresh_from_db()
    assert (sent.status, sent.error_code) == (MessageStatus.FAILED, "21610")
    correspondent = Correspondent.objects.get()
    assert correspondent.opted_out_at is not None
    event = AuditEvent.objects.get(action="channels.opt_out")
    assert event.object_id == str(correspondent.pk)
    assert event.detail["via"] == "provider"


def test_a_status_of_an_unknown_message_is_answered_and_changes_nothing(channel, sent) -> None:
    # It may be a message sent from the provider's console: nothing of ours to update.
    response = send_status(Client(), channel, new_sid(), "delivered")
    assert response.status_code == 200 and response.content == b""
    sent.refresh_from_db()
    assert sent.status == MessageStatus.QUEUED
    assert not AuditEvent.objects.filter(action="channels.message_status").exists()


def test_a_replayed_status_is_taken_once(channel, sent) -> None:
    params = status_params(channel, sent.provider_id, "delivered")
    for _ in range(2):
        assert post_signed(Client(), channel.webhook_path("status"), params).status_code == 200
    assert AuditEvent.objects.filter(action="channels.message_status").count() == 1
    assert status_keys().get().key == f"status:{sent.provider_id}:delivered"


def test_a_forged_status_is_refused_and_changes_nothing(channel, sent) -> None:
    params = status_params(channel, sent.provider_id, "delivered")
    response = post_signed(
        Client(), channel.webhook_path("status"), params, signature_override="forged"
    )
    assert response.status_code == 403
    sent.refresh_from_db()
    assert sent.status == MessageStatus.QUEUED
    assert not status_keys().exists()


def test_an_unknown_status_is_refused_in_words(channel, sent) -> None:
    params = status_params(channel, sent.provider_id, "teleported")
    response = post_signed(Client(), channel.webhook_path("status"), params)
    assert response.status_code == 400
    assert "MessageStatus" in response.content.decode()
    sent.refresh_from_db()
    assert sent.status == MessageStatus.QUEUED
    assert not status_keys().exists()


def test_a_status_for_another_channels_message_changes_nothing(channel, sent, tmp_path) -> None:
    other = make_channel(tmp_path, name="Other", address="+12025550111")
    assert send_status(Client(), other, sent.provider_id, "delivered").status_code == 200
    sent.refresh_from_db()
    assert sent.status == MessageStatus.QUEUED
