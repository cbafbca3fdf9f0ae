"""Webhooks as the provider sends them, for tests: a channel whose auth token is in a file, and
form POSTs signed exactly as Twilio signs them (the `twilio` package's RequestValidator over the
full address the provider calls and the form fields)."""

import datetime as dt
import itertools
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse
from django.test import Client
from twilio.request_validator import RequestValidator

from hotline.channels.local_twilio import LocalTwilio
from hotline.channels.models import Channel

TOKEN = "test-auth-token-0123456789abcdef"
ACCOUNT = "AC" + "0" * 32
NUMBER = "+12025550100"
_sids = itertools.count(1)


def make_channel(tmp_path: Path, token: str = TOKEN, **fields: Any) -> Channel:
    """An active SMS channel whose secret is a file under `tmp_path`."""
    secret = tmp_path / f"twilio-token-{next(_sids)}"
    secret.write_text(token + "\n")
    fields.setdefault("name", "Test texts")
    fields.setdefault("address", NUMBER)
    fields.setdefault("account", ACCOUNT)
    channel = Channel(secret_file=str(secret), **fields)
    channel.full_clean()
    channel.save()
    return channel


def new_sid(prefix: str = "SM") -> str:
    return f"{prefix}{next(_sids):032x}"


def full_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def signature(url: str, params: dict[str, str], token: str = TOKEN) -> str:
    return str(RequestValidator(token).compute_signature(url, params))


def post_signed(
    client: Client,
    path: str,
    params: dict[str, str],
    *,
    token: str = TOKEN,
    signature_override: str | None = None,
    headers: dict[str, str] | None = None,
) -> HttpResponse:
    """POST the form as the provider would, signed with `token` (or with the signature given,
    "" for none)."""
    signed = signature(full_url(path), params, token)
    sig = signed if signature_override is None else signature_override
    sent = {"X-Twilio-Signature": sig} if sig else {}
    sent.update(headers or {})
    # Form-encoded in UTF-8, as Twilio posts it (not the test client's multipart default).
    response: HttpResponse = client.post(  # type: ignore[assignment]
        path, urlencode(params), content_type="application/x-www-form-urlencoded", headers=sent
    )
    return response


def inbound_params(
    channel: Channel, sender: str, body: str, sid: str | None = None, **more: str
) -> dict[str, str]:
    """The form fields of an incoming text, as Twilio names them."""
    params = {
        "MessageSid": sid or new_sid(),
        "SmsSid": "",
        "AccountSid": channel.account,
        "MessagingServiceSid": "",
        "From": sender,
        "To": channel.address,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
    }
    params["SmsSid"] = params["MessageSid"]
    params.update(more)
    return params


def send_text(
    client: Client, channel: Channel, sender: str, body: str, **more: Any
) -> HttpResponse:
    """A signed incoming text; `sid` and `headers` may be given, other keywords are fields."""
    sid = more.pop("sid", None)
    headers = more.pop("headers", None)
    params = inbound_params(channel, sender, body, sid, **more)
    return post_signed(client, channel.webhook_path("inbound"), params, headers=headers)


def status_params(channel: Channel, sid: str, status: str, error: str = "") -> dict[str, str]:
    params = {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": channel.account,
        "From": channel.address,
        "To": "+12025550123",
        "MessageStatus": status,
        "SmsStatus": status,
        "ApiVersion": "2010-04-01",
    }
    if error:
        params["ErrorCode"] = error
    return params


def send_status(
    client: Client, channel: Channel, sid: str, status: str, error: str = ""
) -> HttpResponse:
    params = status_params(channel, sid, status, error)
    return post_signed(client, channel.webhook_path("status"), params)


def sms_channel(tmp_path: Path, twilio: LocalTwilio | None = None, **fields: Any) -> Channel:
    """An active SMS channel whose auth token is in a file under tmp_path, talking to `twilio`
    (or to nothing listening, when api_base is given in `fields`)."""
    token = tmp_path / f"twilio-token-{secrets.token_hex(4)}"
    token.write_text((twilio.auth_token if twilio else secrets.token_hex(16)) + "\n")
    values: dict[str, Any] = {
        "name": "Test texts",
        "address": "+15005550006",
        "account": twilio.account_sid if twilio else "AC" + "0" * 32,
        "secret_file": str(token),
        "api_base": twilio.url if twilio else "",
        **fields,
    }
    return Channel.objects.create(**values)


CALLER = "+12025550123"


def voice_channel(tmp_path: Path, token: str = TOKEN, **fields: Any) -> Channel:
    """An active phone line whose auth token is in a file under `tmp_path`."""
    fields.setdefault("name", "Test phone line")
    fields.setdefault("address", "+12025550199")
    return make_channel(tmp_path, token, kind="voice", **fields)


def timestamp(at: Any) -> str:
    """A callback's Timestamp, as Twilio writes it (RFC 2822)."""
    from email.utils import format_datetime

    return format_datetime(at.astimezone(dt.UTC))


def call_params(
    channel: Channel, sid: str, status: str, caller: str = CALLER, **more: str
) -> dict[str, str]:
    """The form fields of a call's webhook (incoming, or its status callback), as Twilio
    names them."""
    params = {
        "CallSid": sid,
        "AccountSid": channel.account,
        "From": caller,
        "To": channel.address,
        "Caller": caller,
        "Called": channel.address,
        "CallStatus": status,
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }
    params.update(more)
    return params


def send_call(
    client: Client, channel: Channel, hook: str, sid: str, status: str, **more: str
) -> HttpResponse:
    """A signed call webhook: `hook` is "inbound" (a call comes in) or "status"."""
    params = call_params(channel, sid, status, **more)
    return post_signed(client, channel.webhook_path(hook), params)
