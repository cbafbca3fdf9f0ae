"""Phone calls reaching Hotline through the signed voice webhooks: a call coming in becomes a
phone contact and is put through to the call center; its news (answered, ended and how) moves it
forward only, whatever order the callbacks come in; each callback is taken once; nothing is
stored for a request that is not the provider's."""

import datetime as dt
import itertools
from typing import Any
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

import pytest
from django.test import Client
from django.utils import timezone

from hotline.audit.models import AuditEvent
from hotline.channels.models import Call, CallStatus, Channel, WebhookKey
from hotline.channels.tests.signing import (
    CALLER,
    call_params,
    full_url,
    make_channel,
    new_sid,
    post_signed,
    send_call,
    signature,
    timestamp,
    voice_channel,
)
from hotline.contacts.models import Contact, Status

pytestmark = pytest.mark.django_db

CENTER = "+13125550100"
T0 = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=10)


def at(seconds: int) -> str:
    return timestamp(T0 + dt.timedelta(seconds=seconds))


@pytest.fixture
def channel(tmp_path) -> Channel:
    return voice_channel(tmp_path, forward_to=CENTER)


def nothing_stored() -> bool:
    return not (
        Call.objects.exists()
        or Contact.objects.exists()
        or WebhookKey.objects.exists()
        or AuditEvent.objects.filter(action__startswith="channels.").exists()
    )


def test_an_incoming_call_is_a_phone_contact_put_through_to_the_call_center(channel) -> None:
    sid = new_sid("CA")
    response = send_call(Client(), channel, "inbound", sid, "ringing", Timestamp=at(0))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml"
    twiml = response.content.decode()
    status_url = channel.webhook_url("status")
    assert f'<Dial action="{status_url}"' in twiml
    assert 'record="do-not-record"' in twiml
    assert f'statusCallback="{status_url}"' in twiml
    assert f">{CENTER}</Number>" in twiml
    call = Call.objects.get()
    assert (call.provider_id, call.status, call.caller) == (sid, CallStatus.RINGING, CALLER)
    assert call.started_at == T0
    contact = call.contact
    assert (contact.channel, contact.caller_phone, contact.status) == ("phone", CALLER, Status.NEW)
    assert contact.received_at == T0
    assert contact.urgency == channel.urgency
    assert AuditEvent.objects.filter(action="contact.create", object_id=str(contact.pk)).exists()
    event = AuditEvent.objects.get(action="channels.call")
    assert event.detail["new_contact"] is True
    assert "555" not in str(event.detail)


def test_a_line_that_forwards_nowhere_only_acknowledges(tmp_path) -> None:
    channel = voice_channel(tmp_path)
    response = send_call(Client(), channel, "inbound", new_sid("CA"), "ringing")
    assert response.status_code == 200
    assert "<Dial" not in response.content.decode()
    assert Call.objects.get().status == CallStatus.RINGING


def test_calls_are_recorded_only_when_the_deployment_turns_it_on(channel, settings) -> None:
    first = send_call(Client(), channel, "inbound", new_sid("CA"), "ringing").content.decode()
    assert 'record="do-not-record"' in first
    settings.HOTLINE_CALL_RECORDING = True
    second = send_call(Client(), channel, "inbound", new_sid("CA"), "ringing").content.decode()
    assert 'record="record-from-answer"' in second


def answered_flow(sid: str) -> list[tuple[str, dict[str, str]]]:
    """Ringing at T0, answered by the call center 12 s later (the dialled leg's callback, naming
    the caller's call as its parent), ended 95 s after that (the Dial's action)."""
    leg = new_sid("CA")
    return [
        ("inbound", {"CallSid": sid, "CallStatus": "ringing", "Timestamp": at(0)}),
        (
            "status",
            {
                "CallSid": leg,
                "ParentCallSid": sid,
                "CallStatus": "in-progress",
                "Direction": "outbound-dial",
                "From": CALLER,
                "To": CENTER,
                "Timestamp": at(12),
            },
        ),
        (
            "status",
            {
                "CallSid": sid,
                "CallStatus": "in-progress",
                "DialCallSid": leg,
                "DialCallStatus": "completed",
                "DialCallDuration": "95",
                "Timestamp": at(107),
            },
        ),
    ]


def no_answer_flow(sid: str) -> list[tuple[str, dict[str, str]]]:
    """Ringing at T0; the call center's number rang 30 s unanswered (the Dial's action)."""
    return [
        ("inbound", {"CallSid": sid, "CallStatus": "ringing", "Timestamp": at(0)}),
        (
            "status",
            {
                "CallSid": sid,
                "CallStatus": "in-progress",
                "DialCallStatus": "no-answer",
                "Timestamp": at(30),
            },
        ),
    ]


def play(channel: Channel, flow: list[tuple[str, dict[str, str]]]) -> None:
    for hook, fields in flow:
        params = call_params(channel, fields.pop("CallSid"), fields.pop("CallStatus"), **fields)
        response = post_signed(Client(), channel.webhook_path(hook), params)
        assert response.status_code == 200, response.content


def facts(call: Call) -> tuple[Any, ...]:
    call.refresh_from_db()
    return (
        call.status,
        call.started_at,
        call.answered_at,
        call.ended_at,
        call.ring_seconds,
        call.talk_seconds,
        call.caller,
    )


@pytest.mark.parametrize("order", ["in order", "reversed"])
def test_ringing_answered_completed_in_either_order(channel, order) -> None:
    sid = new_sid("CA")
    flow = answered_flow(sid)
    play(channel, flow if order == "in order" else flow[::-1])
    call = Call.objects.get()
    assert facts(call) == (
        CallStatus.COMPLETED,
        T0,
        T0 + dt.timedelta(seconds=12),
        T0 + dt.timedelta(seconds=107),
        12,
        95,
        CALLER,
    )
    assert call.provider_id == sid
    assert Contact.objects.count() == 1
    assert AuditEvent.objects.filter(action="channels.call").count() == 3
    moved = [e.detail["moved"] for e in AuditEvent.objects.filter(action="channels.call")]
    # In order the ringing makes the call and each later callback moves it forward; reversed,
    # the ending makes it and moves it, and what comes after it moves nothing.
    assert moved == ([False, True, True] if order == "in order" else [True, False, False])


def test_every_order_of_an_answered_call_ends_the_same(channel) -> None:
    results = set()
    for permutation in itertools.permutations(range(3)):
        Call.objects.all().delete()
        sid = new_sid("CA")
        flow = answered_flow(sid)
        play(channel, [flow[i] for i in permutation])
        results.add(facts(Call.objects.get(provider_id=sid)))
    assert len(results) == 1
    assert next(iter(results))[0] == CallStatus.COMPLETED


@pytest.mark.parametrize("order", ["in order", "reversed"])
def test_ringing_then_no_answer_in_either_order(channel, order) -> None:
    flow = no_answer_flow(new_sid("CA"))
    play(channel, flow if order == "in order" else flow[::-1])
    call = Call.objects.get()
    assert facts(call) == (
        CallStatus.NO_ANSWER,
        T0,
        None,
        T0 + dt.timedelta(seconds=30),
        30,
        None,
        CALLER,
    )
    assert Call.objects.abandoned().get() == call
    assert not call.answered


def test_the_numbers_own_status_callback_records_the_ending_and_a_recording(tmp_path) -> None:
    channel = voice_channel(tmp_path)  # no Dial: the number's status callback reports
    sid = new_sid("CA")
    send_call(Client(), channel, "inbound", sid, "ringing", Timestamp=at(0))
    send_call(
        Client(),
        channel,
        "status",
        sid,
        "completed",
        CallDuration="61",
        RecordingSid="RE" + "1" * 32,
        RecordingUrl="https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE1",
        Timestamp=at(70),
    )
    call = Call.objects.get()
    assert (call.status, call.talk_seconds, call.ring_seconds, call.recorded) == (
        CallStatus.COMPLETED,
        61,
        9,
        True,
    )


@pytest.mark.parametrize(
    ("raw", "status"),
    [("busy", CallStatus.BUSY), ("canceled", CallStatus.CANCELED), ("failed", CallStatus.FAILED)],
)
def test_other_endings_are_unanswered(channel, raw, status) -> None:
    sid = new_sid("CA")
    send_call(Client(), channel, "inbound", sid, "ringing", Timestamp=at(0))
    send_call(Client(), channel, "status", sid, raw, Timestamp=at(5))
    call = Call.objects.get()
    assert (call.status, call.ring_seconds, call.answered_at) == (status, 5, None)


def test_a_replayed_callback_is_taken_once(channel) -> None:
    sid = new_sid("CA")
    params = call_params(channel, sid, "completed", CallDuration="30")
    for _ in range(2):
        assert post_signed(Client(), channel.webhook_path("status"), params).status_code == 200
    assert AuditEvent.objects.filter(action="channels.call").count() == 1
    assert WebhookKey.objects.get().key == f"call:{sid}:completed"
    assert Contact.objects.count() == 1


def test_the_same_sid_and_status_with_other_facts_is_refused(channel) -> None:
    sid = new_sid("CA")
    path = channel.webhook_path("status")
    post_signed(Client(), path, call_params(channel, sid, "completed", CallDuration="30"))
    again = post_signed(Client(), path, call_params(channel, sid, "completed", CallDuration="31"))
    assert again.status_code == 422
    assert Call.objects.get().talk_seconds == 30


@pytest.mark.parametrize("hook", ["inbound", "status"])
def test_a_forged_call_webhook_is_refused_and_nothing_stored(channel, hook) -> None:
    params = call_params(channel, new_sid("CA"), "ringing")
    response = post_signed(
        Client(), channel.webhook_path(hook), params, signature_override="forged"
    )
    assert response.status_code == 403
    assert nothing_stored()


def test_a_changed_field_breaks_the_signature(channel) -> None:
    path = channel.webhook_path("inbound")
    params = call_params(channel, new_sid("CA"), "ringing")
    signed = signature(full_url(path), params)
    params["From"] = "+12025550999"
    response = post_signed(Client(), path, params, signature_override=signed)
    assert response.status_code == 403
    assert nothing_stored()


def test_an_unknown_call_status_is_refused_in_words(channel) -> None:
    response = send_call(Client(), channel, "status", new_sid("CA"), "teleported")
    assert response.status_code == 400
    assert "CallStatus" in response.content.decode()
    assert nothing_stored()


def test_a_text_lines_address_takes_no_calls(tmp_path) -> None:
    texts = make_channel(tmp_path)  # SMS
    response = post_signed(
        Client(),
        f"/channels/{texts.public_id}/voice/inbound",
        call_params(texts, new_sid("CA"), "ringing"),
    )
    assert response.status_code == 404
    assert nothing_stored()


def test_a_withheld_number_is_a_contact_without_a_phone(channel) -> None:
    send_call(Client(), channel, "inbound", new_sid("CA"), "ringing", caller="Anonymous")
    call = Call.objects.get()
    assert (call.caller, call.caller_hash, call.contact.caller_phone) == ("", "", "")


@pytest.mark.django_db(transaction=True)
def test_a_call_over_real_http_to_the_live_server(tmp_path, live_server, settings) -> None:
    """The webhooks as Twilio calls them: form posts over HTTP, signed for the public address."""
    settings.SITE_URL = live_server.url
    channel = voice_channel(tmp_path, forward_to=CENTER)
    sid = new_sid("CA")
    for hook, params in [
        ("inbound", call_params(channel, sid, "ringing", Timestamp=at(0))),
        ("status", call_params(channel, sid, "no-answer", Timestamp=at(20))),
    ]:
        url = channel.webhook_url(hook)
        request = Request(
            url,
            data=urlencode(params).encode(),
            headers={"X-Twilio-Signature": signature(url, params)},
        )
        try:
            with urlopen(request, timeout=10) as answer:
                assert answer.status == 200
        except HTTPError as error:  # pragma: no cover (a failure's words)
            raise AssertionError(error.read().decode()) from None
    call = Call.objects.get()
    assert (call.status, call.ring_seconds) == (CallStatus.NO_ANSWER, 20)
