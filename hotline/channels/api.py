"""Calls reported by a phone system that is not Twilio: the same facts as Twilio's webhooks
give (a call rings, is answered, ends and how, its talk time, whether a recording exists, an
interpreter's part), posted one event at a time to POST /api/calls/ with a bearer token of the
intake API (scope contacts:create: a new call is a new contact).

The channel is a phone line whose provider is "another phone system, through the API", named
by its public id. Each event is taken once per call id and status: a repeat gets the first
answer again, the same call id and status with other facts is refused (422), as a provider's
retried webhook is (hotline.lib.idempotency). Events may come in any order (calls.take)."""

import datetime as dt
from typing import Any

from django.http import HttpRequest, JsonResponse
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from pydantic import field_validator

from hotline.channels import actions, calls
from hotline.channels.forms import MAX_INTERPRETER_MINUTES, interpreter_languages
from hotline.channels.models import Call, CallStatus, Channel, Kind, Provider, WebhookKey
from hotline.channels.providers import CallEvent
from hotline.contacts.api import Error, Invalid, TokenAuth, _allow
from hotline.contacts.models import Scope
from hotline.lib import idempotency

router = Router(auth=TokenAuth(), tags=["Calls"])
MAX_TALK_SECONDS = 7 * 24 * 3600


class CallIn(Schema):
    channel: str = Field(
        ..., min_length=1, max_length=32, description="The phone line's public id."
    )
    call_id: str = Field(
        ..., min_length=1, max_length=64, description="The phone system's id of the call."
    )
    status: CallStatus = Field(..., description="What happened to the call now.")
    caller: str = Field(
        "", max_length=30, description="The caller's number (E.164); empty when withheld."
    )
    at: dt.datetime | None = Field(
        None, description="When it happened, with a time zone (default: when it is received)."
    )
    talk_seconds: int | None = Field(
        None, ge=0, le=MAX_TALK_SECONDS, description="With status completed: the talk time."
    )
    recorded: bool = Field(False, description="Whether a recording of the call exists.")
    interpreter_language: str = Field(
        "", max_length=10, description="An interpreter's language (a language code, as es)."
    )
    interpreter_minutes: int | None = Field(None, ge=1, le=MAX_INTERPRETER_MINUTES)

    @field_validator("at")
    @classmethod
    def _aware(cls, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("Give the time with its time zone (as 2026-12-08T01:30:00Z).")
        return value

    @field_validator("interpreter_language")
    @classmethod
    def _language(cls, value: str) -> str:
        if value and value not in {code for code, _name in interpreter_languages() if code}:
            raise ValueError("Not a language code Hotline knows (as es, vi, ko).")
        return value

    @field_validator("*")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("Text must not contain NUL characters.")
        return value


class CallContact(Schema):
    id: int
    reference: str


class CallOut(Schema):
    id: int
    call_id: str
    status: str
    contact: CallContact
    started_at: dt.datetime
    answered_at: dt.datetime | None
    ended_at: dt.datetime | None
    ring_seconds: int | None
    talk_seconds: int | None
    recorded: bool
    interpreter_language: str
    interpreter_minutes: int | None

    @staticmethod
    def resolve_call_id(obj: Call) -> str:
        return obj.provider_id


def _body(call: Call) -> dict[str, Any]:
    return CallOut.from_orm(call).model_dump(mode="json")


@router.post(
    "/",
    response={200: CallOut, 400: Error, 401: Error, 403: Error, 404: Error, 422: Invalid},
    url_name="calls-event",
    summary="Report what happened to a call (taken once per call id and status)",
)
def call_event(request: HttpRequest, payload: CallIn) -> JsonResponse:
    token = _allow(request, Scope.CREATE)
    channel = (
        Channel.objects.active()
        .filter(public_id=payload.channel, kind=Kind.VOICE, provider=Provider.API)
        .first()
    )
    if channel is None:
        raise HttpError(404, "No such phone line reports through the API.")
    interpreter = payload.interpreter_language, payload.interpreter_minutes
    if bool(interpreter[0]) != bool(interpreter[1]):
        raise HttpError(422, "Give the interpreter's language and minutes together.")
    event = CallEvent(
        provider_id=payload.call_id,
        status=payload.status,
        caller=payload.caller,
        at=payload.at,
        talk_seconds=payload.talk_seconds if payload.status == CallStatus.COMPLETED else None,
        recorded=payload.recorded,
    )
    user = token.user
    try:
        with idempotency.once(
            WebhookKey,
            f"api:{payload.call_id}:{payload.status}",
            payload.model_dump(mode="json"),
            channel=channel,
        ) as attempt:
            if not attempt.replayed:
                call = calls.take(channel, event, actor=user).call
                if interpreter[0] and interpreter[1]:
                    if not user.has_perm("contacts.change_contact", call.contact):
                        raise HttpError(403, "This account may not change this call's contact.")
                    call = actions.record_interpreter(
                        call, interpreter[0], interpreter[1], actor=user
                    )
                attempt.done(200, _body(call))
    except idempotency.Refused as refused:
        return JsonResponse({"detail": refused.detail}, status=refused.status)
    status, body = attempt.response
    response = JsonResponse(body, status=status)
    if attempt.replayed:
        response["Idempotent-Replayed"] = "true"
    return response
