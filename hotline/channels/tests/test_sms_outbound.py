"""Texts out, through the real `twilio` client to a local server that answers as Twilio's
Messages API does: delivered by the worker's task, retried through outages with backoff, failed
visibly when the provider refuses or time runs out, and never sent twice, even by two sweepers."""

import datetime as dt
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from hotline.audit.models import AuditEvent
from hotline.channels import outbound
from hotline.channels.local_twilio import LocalTwilio
from hotline.channels.models import Channel, Correspondent, Message, MessageStatus, Purpose
from hotline.channels.tests.signing import sms_channel
from hotline.contacts.actions import receive
from hotline.contacts.models import Contact
from hotline.lib import sweep

pytestmark = pytest.mark.django_db

NUMBER = "+12025550143"


@pytest.fixture
def twilio() -> Iterator[LocalTwilio]:
    with LocalTwilio.running() as server:
        yield server


@pytest.fixture
def channel(tmp_path: Any, twilio: LocalTwilio) -> Channel:
    return sms_channel(tmp_path, twilio)


def queued(personas: dict[str, Any], body: str = "We are here for you.") -> Message:
    contact = receive(Contact(channel="phone", caller_phone=NUMBER, safe_to_text=True))
    return outbound.send_text(contact, body, actor=personas["specialist"], purpose=Purpose.REPLY)


def fresh(message: Message) -> Message:
    return Message.objects.get(pk=message.pk)


def due(message: Message) -> dt.datetime:
    """When the message's next attempt is due (it must be waiting for one)."""
    assert message.next_attempt_at is not None
    return message.next_attempt_at


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (it was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_queued_reply_reaches_the_provider_from_the_worker(
    channel, twilio, personas, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        message = queued(personas, "We are here for you. 💛 نحن هنا")
    assert twilio.requests == []  # nothing is sent from the request
    (task,) = DBTaskResult.objects.filter(task_path="hotline.channels.outbound.deliver")
    assert outbound.deliver.call(*task.args_kwargs["args"]) == "sent"

    (request,) = twilio.requests
    assert request.authorized
    assert request.fields["To"] == NUMBER
    assert request.fields["From"] == channel.address
    assert request.fields["Body"] == "We are here for you. 💛 نحن هنا"
    assert request.fields["StatusCallback"] == (
        f"{settings.SITE_URL.rstrip('/')}/channels/{channel.public_id}/sms/status"
    )
    message = fresh(message)
    assert message.status == MessageStatus.QUEUED
    assert message.provider_id is not None
    assert message.provider_id.startswith("SM") and len(message.provider_id) == 34
    assert (message.attempts, message.next_attempt_at, message.last_error) == (1, None, "")
    (event,) = AuditEvent.objects.filter(action="channels.text_sent")
    assert event.object_id == str(message.pk)
    assert event.detail == {
        "contact": message.conversation.contact_id,
        "attempts": 1,
        "status": "queued",
    }
    # Run again (a duplicate task, a sweep): nothing is sent twice.
    assert outbound.deliver.call(message.pk) == "not_due"
    assert outbound.send_due(timezone.now() + dt.timedelta(days=1)) == 0
    assert len(twilio.requests) == 1


def test_an_outage_keeps_the_text_pending_until_a_later_sweep_sends_it_once(
    channel, twilio, personas
) -> None:
    message = queued(personas)
    twilio.fail_next(2, status=503)
    start = timezone.now()
    assert outbound.deliver.call(message.pk) == "retry"

    message = fresh(message)
    assert message.status == MessageStatus.PENDING
    assert message.get_status_display() == "Not sent yet"
    assert message.last_error == "The provider refused the message (HTTP 503, error 503)."
    assert message.attempts == 1
    first_retry = due(message)
    assert start + dt.timedelta(seconds=30) <= first_retry
    assert first_retry <= timezone.now() + dt.timedelta(seconds=30)
    # Not yet due: the sweep leaves it.
    assert outbound.send_due(first_retry - dt.timedelta(seconds=1)) == 0
    assert len(twilio.requests) == 1

    assert outbound.send_due(first_retry) == 1
    message = fresh(message)
    assert (message.status, message.attempts) == (MessageStatus.PENDING, 2)
    assert due(message) == first_retry + dt.timedelta(seconds=60)  # doubled

    assert outbound.send_due(due(message)) == 1
    message = fresh(message)
    assert (message.status, message.attempts, message.last_error) == (
        MessageStatus.QUEUED,
        3,
        "",
    )
    assert message.next_attempt_at is None
    assert [r.answered for r in twilio.requests] == [503, 503, 201]
    assert len(twilio.sent()) == 1
    assert AuditEvent.objects.filter(action="channels.text_sent").count() == 1


def test_the_sweep_job_is_registered_and_sends_what_is_due(channel, twilio, personas) -> None:
    assert "hotline.channels.outbound.send_due" in settings.SWEEP_JOBS
    message = queued(personas)
    # No worker took it (the task queue was down): the periodic sweep finds it from its row.
    done = sweep.run(timezone.now())
    assert done["hotline.channels.outbound.send_due"] == 1
    assert fresh(message).status == MessageStatus.QUEUED


def test_an_opted_out_refusal_fails_the_text_and_stops_the_number(
    channel, twilio, personas
) -> None:
    message = queued(personas)
    twilio.refuse_next(code=21610)
    assert outbound.deliver.call(message.pk) == "failed"

    message = fresh(message)
    assert (message.status, message.error_code) == (MessageStatus.FAILED, "21610")
    assert message.last_error == "The provider refused the message (HTTP 400, error 21610)."
    assert message.next_attempt_at is None
    correspondent = Correspondent.objects.get()
    assert correspondent.opted_out_at is not None
    assert AuditEvent.objects.get(action="channels.text_failed").detail["code"] == "21610"
    # Failed for good: no sweep tries it again, and the next text is refused before sending.
    assert outbound.send_due(timezone.now() + dt.timedelta(days=1)) == 0
    contact = message.conversation.contact
    with pytest.raises(outbound.Refused, match="texted STOP"):
        outbound.send_text(contact, "Again?", actor=personas["specialist"], purpose="reply")
    assert len(twilio.requests) == 1


def test_a_refused_number_fails_without_retry_and_without_an_opt_out(
    channel, twilio, personas
) -> None:
    message = queued(personas)
    twilio.refuse_next(code=21211)
    assert outbound.deliver.call(message.pk) == "failed"
    message = fresh(message)
    assert (message.status, message.error_code) == (MessageStatus.FAILED, "21211")
    assert Correspondent.objects.get().opted_out_at is None


def test_a_rate_limit_is_retried(channel, twilio, personas) -> None:
    message = queued(personas)
    twilio.refuse_next(code=20429, status=429)
    assert outbound.deliver.call(message.pk) == "retry"
    message = fresh(message)
    assert (message.status, message.error_code) == (MessageStatus.PENDING, "20429")
    assert outbound.send_due(due(message)) == 1
    assert fresh(message).status == MessageStatus.QUEUED


def test_a_provider_that_cannot_be_reached_is_retried(channel, twilio, personas) -> None:
    Channel.objects.filter(pk=channel.pk).update(api_base=f"http://127.0.0.1:{closed_port()}")
    message = queued(personas)
    assert outbound.deliver.call(message.pk) == "retry"
    message = fresh(message)
    assert message.status == MessageStatus.PENDING
    assert message.last_error == "The provider could not be reached (ConnectionError)."
    # The provider is back.
    Channel.objects.filter(pk=channel.pk).update(api_base=twilio.url)
    assert outbound.send_due(due(message)) == 1
    assert fresh(message).status == MessageStatus.QUEUED
    assert len(twilio.sent()) == 1


def test_a_connection_dropped_without_an_answer_is_retried(channel, twilio, personas) -> None:
    message = queued(personas)
    twilio.drop_next()
    assert outbound.deliver.call(message.pk) == "retry"
    message = fresh(message)
    assert message.status == MessageStatus.PENDING
    assert message.last_error.startswith("The provider could not be reached")
    assert outbound.send_due(due(message)) == 1
    assert [r.answered for r in twilio.requests] == [None, 201]


def test_a_missing_secret_keeps_the_text_waiting_with_the_reason(
    channel, twilio, personas, tmp_path
) -> None:
    secret = channel.secret_file
    Channel.objects.filter(pk=channel.pk).update(secret_file=str(tmp_path / "missing"))
    message = queued(personas)
    assert outbound.deliver.call(message.pk) == "retry"
    message = fresh(message)
    assert message.status == MessageStatus.PENDING
    assert "secret file cannot be read" in message.last_error
    assert twilio.requests == []
    Channel.objects.filter(pk=channel.pk).update(secret_file=secret)
    assert outbound.send_due(due(message)) == 1
    assert fresh(message).status == MessageStatus.QUEUED


def test_wrong_credentials_keep_the_text_waiting_until_they_are_mended(
    channel, twilio, personas, tmp_path
) -> None:
    wrong = tmp_path / "wrong-token"
    wrong.write_text("not-the-token")
    right = channel.secret_file
    Channel.objects.filter(pk=channel.pk).update(secret_file=str(wrong))
    message = queued(personas)
    assert outbound.deliver.call(message.pk) == "retry"
    message = fresh(message)
    assert message.status == MessageStatus.PENDING
    assert message.last_error == "The provider refused the message (HTTP 401, error 20003)."
    assert [r.authorized for r in twilio.requests] == [False]
    Channel.objects.filter(pk=channel.pk).update(secret_file=right)
    assert outbound.send_due(due(message)) == 1
    assert fresh(message).status == MessageStatus.QUEUED
    assert len(twilio.sent()) == 1


def test_after_the_last_attempt_the_text_fails_visibly(channel, twilio, personas) -> None:
    message = queued(personas)
    Message.objects.filter(pk=message.pk).update(attempts=outbound.MAX_ATTEMPTS - 1)
    twilio.fail_next()
    assert outbound.deliver.call(message.pk) == "failed"
    message = fresh(message)
    assert (message.status, message.attempts) == (MessageStatus.FAILED, outbound.MAX_ATTEMPTS)
    assert message.get_status_display() == "Failed"
    assert message.last_error == "The provider refused the message (HTTP 503, error 503)."
    assert AuditEvent.objects.filter(action="channels.text_failed").count() == 1


def test_a_text_that_waited_a_day_fails_at_its_next_failure(channel, twilio, personas) -> None:
    message = queued(personas)
    twilio.fail_next()
    later = message.created_at + outbound.MAX_AGE
    assert outbound.send_due(later) == 1
    message = fresh(message)
    assert (message.status, message.attempts) == (MessageStatus.FAILED, 1)


def test_a_stop_while_waiting_fails_the_text_without_sending_it(channel, twilio, personas) -> None:
    message = queued(personas)
    Correspondent.objects.update(opted_out_at=timezone.now())
    assert outbound.deliver.call(message.pk) == "failed"
    message = fresh(message)
    assert (message.status, message.error_code) == (MessageStatus.FAILED, "opted_out")
    assert message.last_error == (
        "This person texted STOP; texts resume only when they text START."
    )
    assert twilio.requests == []


def test_a_plan_changed_to_unsafe_while_waiting_fails_the_text(channel, twilio, personas) -> None:
    message = queued(personas)
    Contact.objects.update(safe_to_text=False)
    assert outbound.deliver.call(message.pk) == "failed"
    assert fresh(message).error_code == "unsafe"
    assert twilio.requests == []


def test_a_crashed_workers_lease_holds_the_text_then_expires(channel, twilio, personas) -> None:
    message = queued(personas)
    now = timezone.now()
    # A worker claims it and dies before calling the provider.
    assert outbound.claim(message.pk, now) is not None
    assert outbound.send_due(now) == 0
    assert outbound.send_due(now + outbound.LEASE - dt.timedelta(seconds=1)) == 0
    assert twilio.requests == []
    # Its lease runs out: the sweep sends it, once.
    assert outbound.send_due(now + outbound.LEASE) == 1
    message = fresh(message)
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 2)
    assert len(twilio.requests) == 1


@pytest.mark.django_db(transaction=True)
def test_two_sweepers_at_once_send_a_text_once(channel, twilio, personas) -> None:
    message = queued(personas)
    hold = twilio.hold_next()
    now = timezone.now()
    results: dict[str, int] = {}
    errors: list[BaseException] = []

    def first_sweeper() -> None:
        try:
            results["first"] = outbound.send_due(now)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=first_sweeper)
    thread.start()
    try:
        # The first sweeper has claimed the text and waits on the provider's answer.
        assert hold.arrived.wait(timeout=30)
        results["second"] = outbound.send_due(now)
    finally:
        hold.release()
        thread.join(timeout=30)
    assert not errors
    assert results == {"first": 1, "second": 0}
    assert len(twilio.requests) == 1
    message = fresh(message)
    assert (message.status, message.attempts) == (MessageStatus.QUEUED, 1)


def test_a_down_provider_is_tried_once_per_sweep_not_once_per_text(
    channel, twilio, personas
) -> None:
    first, second = queued(personas, "One."), queued(personas, "Two.")
    twilio.fail_next(1)
    assert outbound.send_due(timezone.now()) == 1
    assert (fresh(first).attempts, fresh(second).attempts) == (1, 0)
    assert fresh(second).status == MessageStatus.PENDING
    later = timezone.now() + dt.timedelta(minutes=1)
    assert outbound.send_due(later) == 2
    assert {fresh(first).status, fresh(second).status} == {MessageStatus.QUEUED}


def test_backoff_doubles_from_thirty_seconds_up_to_thirty_minutes() -> None:
    seconds = [outbound.backoff(n).total_seconds() for n in range(1, 9)]
    assert seconds == [30, 60, 120, 240, 480, 960, 1800, 1800]
