"""Calls reported through the API by a phone system that is not Twilio: the same facts as the
webhooks, in any order, taken once per call id and status, with the intake API's tokens and
scopes; bad input refused in words, changing nothing; documented in the OpenAPI schema."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from hotline.audit.models import AuditEvent
from hotline.channels.actions import add_channel
from hotline.channels.models import Call, CallStatus, Channel, WebhookKey
from hotline.channels.tests.signing import CALLER
from hotline.contacts.api import new_token
from hotline.contacts.models import ApiToken, Contact, Scope, token_hash

pytestmark = pytest.mark.django_db
URL = "/api/calls/"
T0 = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=5)


def iso(seconds: int) -> str:
    return (T0 + dt.timedelta(seconds=seconds)).isoformat()


@pytest.fixture
def line() -> Channel:
    return add_channel(kind="voice", provider="api", name="PBX line", address="+12025550111")


def client_with(user, scopes: list[str] | None = None) -> Client:
    token = new_token()
    ApiToken.objects.create(
        user=user,
        name="pbx",
        prefix=token[:12],
        hash=token_hash(token),
        scopes=scopes if scopes is not None else [Scope.CREATE.value],
    )
    return Client(headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def pbx(personas) -> Client:
    return client_with(personas["specialist"])


def post(client: Client, body: dict):
    return client.post(URL, body, content_type="application/json")


def event(line: Channel, status: str, seconds: int, **more) -> dict:
    return {
        "channel": line.public_id,
        "call_id": "pbx-1",
        "status": status,
        "at": iso(seconds),
        **more,
    }


def answered(line: Channel) -> list[dict]:
    return [
        event(line, "ringing", 0, caller="(202) 555-0123"),
        event(line, "in_progress", 8),
        event(line, "completed", 128, talk_seconds=120, recorded=True),
    ]


@pytest.mark.parametrize("order", ["in order", "reversed"])
def test_an_answered_call_in_either_order(line, pbx, personas, order) -> None:
    flow = answered(line)
    for body in flow if order == "in order" else flow[::-1]:
        response = post(pbx, body)
        assert response.status_code == 200, response.content
    call = Call.objects.get()
    assert (call.status, call.ring_seconds, call.talk_seconds, call.recorded) == (
        CallStatus.COMPLETED,
        8,
        120,
        True,
    )
    assert (call.started_at, call.answered_at) == (T0, T0 + dt.timedelta(seconds=8))
    assert call.caller == CALLER
    contact = Contact.objects.get()
    assert (contact.channel, contact.caller_phone, contact.created_by) == (
        "phone",
        CALLER,
        personas["specialist"],
    )
    body = response.json()
    assert body["contact"] == {"id": contact.pk, "reference": contact.reference}
    assert body["status"] == "completed" and body["call_id"] == "pbx-1"


@pytest.mark.parametrize("order", ["in order", "reversed"])
def test_an_unanswered_call_in_either_order(line, pbx, order) -> None:
    flow = [event(line, "ringing", 0, caller=CALLER), event(line, "no_answer", 25)]
    for body in flow if order == "in order" else flow[::-1]:
        assert post(pbx, body).status_code == 200
    call = Call.objects.get()
    assert (call.status, call.ring_seconds, call.answered_at) == (CallStatus.NO_ANSWER, 25, None)
    assert Call.objects.abandoned().count() == 1


def test_an_event_is_taken_once_per_call_id_and_status(line, pbx) -> None:
    body = event(line, "ringing", 0, caller=CALLER)
    first, second = post(pbx, body), post(pbx, body)
    assert second.status_code == 200 and second["Idempotent-Replayed"] == "true"
    assert first.json() == second.json()
    assert Contact.objects.count() == 1
    assert WebhookKey.objects.get().key == "api:pbx-1:ringing"
    changed = post(pbx, {**body, "caller": "+12025550999"})
    assert changed.status_code == 422
    assert "different body" in changed.json()["detail"]
    assert Call.objects.get().caller == CALLER


def test_an_interpreter_reported_with_the_call(line, pbx) -> None:
    post(pbx, event(line, "ringing", 0, caller=CALLER))
    response = post(
        pbx,
        event(
            line,
            "completed",
            300,
            talk_seconds=290,
            interpreter_language="vi",
            interpreter_minutes=4,
        ),
    )
    assert response.status_code == 200
    call = Call.objects.get()
    assert (call.interpreter_language, call.interpreter_minutes) == ("vi", 4)
    contact = Contact.objects.get()
    assert contact.interpreter_used and contact.language == "vi"


@pytest.mark.parametrize(
    ("change", "status", "words"),
    [
        ({"status": "teleported"}, 422, "status"),
        ({"call_id": ""}, 422, "call_id"),
        ({"at": "2026-12-08T01:30:00"}, 422, "time zone"),
        ({"talk_seconds": -1}, 422, "talk_seconds"),
        ({"interpreter_language": "klingon"}, 422, "language code"),
        ({"interpreter_language": "es"}, 422, "together"),
        ({"channel": "0" * 32}, 404, "No such phone line"),
    ],
)
def test_bad_input_is_refused_in_words_and_changes_nothing(
    line, pbx, change, status, words
) -> None:
    response = post(pbx, {**event(line, "ringing", 0, caller=CALLER), **change})
    assert response.status_code == status
    assert words in response.content.decode()
    assert not Call.objects.exists() and not Contact.objects.exists()
    assert not WebhookKey.objects.exists()


def test_a_twilio_line_takes_no_api_events(tmp_path, pbx) -> None:
    from hotline.channels.tests.signing import voice_channel

    twilio_line = voice_channel(tmp_path)
    assert post(pbx, event(twilio_line, "ringing", 0)).status_code == 404
    assert not Call.objects.exists()


def test_tokens_need_the_create_scope_and_a_role_that_works_contacts(line, personas) -> None:
    body = event(line, "ringing", 0, caller=CALLER)
    assert post(client_with(personas["specialist"], [Scope.READ.value]), body).status_code == 403
    assert post(client_with(personas["curator"]), body).status_code == 403
    assert post(Client(headers={"Authorization": "Bearer nope"}), body).status_code == 401
    assert post(Client(), body).status_code == 401
    assert not Call.objects.exists()


def test_the_calls_endpoint_is_in_the_openapi_schema() -> None:
    schema = Client().get("/api/openapi.json").json()
    operation = schema["paths"]["/api/calls/"]["post"]
    assert "taken once per call id and status" in operation["summary"]
    fields = schema["components"]["schemas"]["CallIn"]["properties"]
    assert {"channel", "call_id", "status", "caller", "at", "talk_seconds", "recorded"} <= set(
        fields
    )


def test_an_api_line_has_no_secret_and_takes_no_webhooks(line, tmp_path) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="API token"):
        add_channel(kind="voice", provider="api", name="x", address="+12025550112", secret_env="X")
    with pytest.raises(ValidationError, match="Only a phone line"):
        add_channel(kind="sms", provider="api", name="x", address="+12025550112")
    response = Client().post(f"/channels/{line.public_id}/voice/inbound", {"CallSid": "CA1"})
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="channels.call").exists()
