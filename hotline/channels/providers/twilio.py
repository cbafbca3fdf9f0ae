"""Twilio, and any gateway that speaks its wire format: webhooks signed with X-Twilio-Signature
(HMAC-SHA1 of the URL and the sorted form fields, checked by the `twilio` package's
RequestValidator), TwiML answers, and the Messages REST API through the `twilio` client.

Phone calls: the number's "A call comes in" webhook (CallSid, From, To, CallStatus ringing), and
news of the call afterwards: the number's status callback (CallStatus, CallDuration, Timestamp),
or, when Hotline puts the call through to the call center with <Dial>, the Dial's action
(DialCallStatus, DialCallDuration, RecordingUrl) and the dialled leg's status callbacks (their
own CallSid, the caller's call as ParentCallSid).

The API base address is the channel's `api_base` when set (a test server on 127.0.0.1, or a
compatible gateway); the client then talks to it instead of https://api.twilio.com.
"""

import datetime as dt
import email.utils
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.http import HttpResponse
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from hotline.channels.providers import CallEvent, Inbound, Media, SendError, Sent, StatusReport

if TYPE_CHECKING:
    from hotline.channels.models import Channel

TWILIO_API = "https://api.twilio.com"
MAX_MEDIA = 10
# Twilio's MessageStatus values, as Hotline's MessageStatus codes.
STATUSES = {
    "accepted": "queued",
    "scheduled": "queued",
    "queued": "queued",
    "sending": "queued",
    "sent": "sent",
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}
# Twilio's CallStatus and DialCallStatus values, as Hotline's CallStatus codes.
CALL_STATUSES = {
    "queued": "ringing",
    "initiated": "ringing",
    "ringing": "ringing",
    "answered": "in_progress",
    "in-progress": "in_progress",
    "completed": "completed",
    "busy": "busy",
    "no-answer": "no_answer",
    "canceled": "canceled",
    "failed": "failed",
}
DIAL_SECONDS = 30  # how long the call center's number rings before the call counts unanswered
# REST errors that no retry mends (the number, the message or the account is refused), by
# Twilio's error code; other 4xx are refused too, 429 and 5xx are retried, and so is 401 (the
# channel's credentials are wrong: an administrator can mend them while the message waits).
RETRIED = {401, 429}
STOPPED = "21610"  # the person texted STOP


class _Rebased(TwilioHttpClient):
    """Sends the client's requests to another base address (a test server, a gateway)."""

    def __init__(self, base: str, timeout: float) -> None:
        super().__init__(timeout=timeout)
        self.base = base.rstrip("/")

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        if url.startswith(TWILIO_API):
            url = self.base + url[len(TWILIO_API) :]
        return super().request(method, url, *args, **kwargs)


class TwilioAdapter:
    def verify(
        self, channel: "Channel", url: str, params: Mapping[str, str], headers: Mapping[str, str]
    ) -> bool:
        signature = headers.get("X-Twilio-Signature", "")
        if not signature:
            return False
        return bool(RequestValidator(channel.secret()).validate(url, dict(params), signature))

    def idempotency_key(self, headers: Mapping[str, str]) -> str:
        return headers.get("I-Twilio-Idempotency-Token", "").strip()

    def inbound(self, params: Mapping[str, str]) -> Inbound:
        sid, sender = params.get("MessageSid", "").strip(), params.get("From", "").strip()
        if not sid or not sender:
            raise ValueError("A message needs MessageSid and From.")
        try:
            count = min(int(params.get("NumMedia") or 0), MAX_MEDIA)
            segments = int(params["NumSegments"]) if params.get("NumSegments") else None
        except ValueError:
            raise ValueError("NumMedia and NumSegments must be whole numbers.") from None
        media = [
            Media(params.get(f"MediaContentType{i}", ""), params.get(f"MediaUrl{i}", ""))
            for i in range(count)
            if params.get(f"MediaUrl{i}")
        ]
        return Inbound(
            provider_id=sid,
            sender=sender,
            to=params.get("To", ""),
            body=params.get("Body", ""),
            media=media,
            segments=segments,
        )

    def status(self, params: Mapping[str, str]) -> StatusReport:
        sid = params.get("MessageSid", "").strip()
        status = STATUSES.get(params.get("MessageStatus", "").strip().lower())
        if not sid or status is None:
            raise ValueError("A status report needs MessageSid and a known MessageStatus.")
        code = params.get("ErrorCode", "").strip()
        return StatusReport(sid, status, code, opted_out=code == STOPPED)

    def send(
        self, channel: "Channel", to: str, body: str, *, status_url: str, timeout: dt.timedelta
    ) -> Sent:
        seconds = timeout.total_seconds()
        http = _Rebased(channel.api_base, seconds) if channel.api_base else None
        if http is None:
            http = TwilioHttpClient(timeout=seconds)
        try:
            client = Client(channel.account, channel.secret(), http_client=http)
            message = client.messages.create(
                to=to, from_=channel.address, body=body, status_callback=status_url
            )
        except TwilioRestException as error:
            code = str(error.code or "")
            retry = error.status in RETRIED or error.status >= 500
            detail = f"The provider refused the message (HTTP {error.status}"
            detail += f", error {code})." if code else ")."
            raise SendError(detail, retry=retry, code=code, opted_out=code == STOPPED) from None
        except (TwilioException, OSError) as error:
            # Connection refused, timeout, a broken answer: the provider may be down.
            raise SendError(
                f"The provider could not be reached ({type(error).__name__}).", retry=True
            ) from None
        return Sent(str(message.sid), STATUSES.get(str(message.status or ""), "queued"))

    def event_key(self, params: Mapping[str, str]) -> str:
        sid = params.get("CallSid", "").strip()
        dial = params.get("DialCallStatus", "").strip().lower()
        return f"{sid}:dial-{dial}" if dial else f"{sid}:{params.get('CallStatus', '').strip()}"

    def call_event(self, params: Mapping[str, str]) -> CallEvent:
        sid = params.get("CallSid", "").strip()
        parent = params.get("ParentCallSid", "").strip()
        dial = params.get("DialCallStatus", "").strip().lower()
        raw = dial or params.get("CallStatus", "").strip().lower()
        status = CALL_STATUSES.get(raw)
        if not sid or status is None:
            raise ValueError("A call's news needs CallSid and a known CallStatus.")
        seconds = params.get("DialCallDuration" if dial else "CallDuration", "").strip()
        try:
            talk = int(seconds) if seconds else None
        except ValueError:
            raise ValueError("CallDuration must be a whole number of seconds.") from None
        if talk is not None and not 0 <= talk <= 7 * 24 * 3600:
            raise ValueError("CallDuration is out of range.")
        at = None
        if params.get("Timestamp"):
            try:
                at = email.utils.parsedate_to_datetime(params["Timestamp"])
            except (TypeError, ValueError):
                at = None
            if at is not None and at.tzinfo is None:
                at = None
        return CallEvent(
            # The dialled leg's news is the caller's call's news.
            provider_id=parent or sid,
            status=status,
            # The dialled leg's From is the hotline's caller id choice, not known to be the
            # caller: only the caller's own call tells who called.
            caller="" if parent else params.get("From", "").strip(),
            to="" if parent else params.get("To", "").strip(),
            at=at,
            talk_seconds=talk if status == "completed" else None,
            recorded=bool(params.get("RecordingSid") or params.get("RecordingUrl")),
        )

    def answer_call(self, channel: "Channel", *, status_url: str, record: bool) -> HttpResponse:
        answer = VoiceResponse()
        if channel.forward_to:
            dial = answer.dial(
                action=status_url,
                method="POST",
                timeout=DIAL_SECONDS,
                record="record-from-answer" if record else "do-not-record",
            )
            dial.number(
                channel.forward_to,
                status_callback=status_url,
                status_callback_method="POST",
                status_callback_event="ringing answered completed",
            )
        return HttpResponse(str(answer), content_type="application/xml")

    def acknowledge(self) -> HttpResponse:
        return HttpResponse(str(VoiceResponse()), content_type="application/xml")

    def reply(self, text: str | None) -> HttpResponse:
        if not text:
            return HttpResponse(status=200)
        answer = MessagingResponse()
        answer.message(text)
        return HttpResponse(str(answer), content_type="application/xml")


ADAPTER = TwilioAdapter()
