"""Twilio, and any gateway that speaks its wire format: webhooks signed with X-Twilio-Signature
(HMAC-SHA1 of the URL and the sorted form fields, checked by the `twilio` package's
RequestValidator), TwiML answers, and the Messages REST API through the `twilio` client.

The API base address is the channel's `api_base` when set (a test server on 127.0.0.1, or a
compatible gateway); the client then talks to it instead of https://api.twilio.com.
"""

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.http import HttpResponse
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from twilio.rest import Client
from twilio.twiml.messaging_response import MessagingResponse

from hotline.channels.providers import Inbound, Media, SendError, Sent, StatusReport

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

    def reply(self, text: str | None) -> HttpResponse:
        if not text:
            return HttpResponse(status=200)
        answer = MessagingResponse()
        answer.message(text)
        return HttpResponse(str(answer), content_type="application/xml")


ADAPTER = TwilioAdapter()
