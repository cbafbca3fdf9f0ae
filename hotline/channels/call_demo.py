"""The demo's phone line: the channel `make demo` sets up (Twilio's wire format, the calls put
through to a fictional call center), and the calls `manage.py call_demo` makes to it as Twilio
would, signed as Twilio signs them: one from the demo's repeat caller, left ringing so that the
screen pop shows it with the caller's earlier contacts, and one that rings unanswered, for the
supervisor's abandoned calls. Every number is fictional (reserved 555-01xx)."""

import secrets
from email.utils import formatdate
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from django.conf import settings
from twilio.request_validator import RequestValidator

from hotline.channels.actions import add_channel
from hotline.channels.models import Channel, Kind

NUMBER = "+18005550100"
CENTER = "+13125550100"  # the call center's number the calls are put through to
ACCOUNT = "AC" + "ca" * 16
NAME = "Demo phone line"
REPEAT_CALLER = "+13125550142"  # the demo contacts' repeat caller
NEW_CALLER = "+12025550166"


def channel() -> Channel | None:
    return Channel.objects.active().filter(kind=Kind.VOICE, address=NUMBER).first()


def set_up() -> tuple[Channel, bool]:
    """The demo line, created with a random test auth token in var/ if there is none."""
    existing = channel()
    if existing is not None:
        return existing, False
    path = settings.VAR_DIR / "demo-twilio-voice-token"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(16) + "\n")
    created = add_channel(
        kind=Kind.VOICE,
        name=NAME,
        address=NUMBER,
        account=ACCOUNT,
        secret_file=str(path),
        forward_to=CENTER,
    )
    return created, True


def post(line: Channel, hook: str, params: dict[str, str]) -> tuple[int, str]:
    """POST one call webhook to the running server as Twilio would; its answer."""
    url = line.webhook_url(hook)
    signature = RequestValidator(line.secret()).compute_signature(url, params)
    request = Request(  # noqa: S310 (the server's own SITE_URL)
        url, data=urlencode(params).encode(), headers={"X-Twilio-Signature": str(signature)}
    )
    try:
        with urlopen(request, timeout=10) as answer:  # noqa: S310
            return answer.status, answer.read().decode()
    except HTTPError as error:
        return error.code, error.read().decode()


def call_params(line: Channel, sid: str, caller: str, status: str, **more: str) -> dict[str, str]:
    return {
        "CallSid": sid,
        "AccountSid": line.account,
        "From": caller,
        "To": line.address,
        "CallStatus": status,
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
        "Timestamp": formatdate(usegmt=True),
        **more,
    }


def calls(line: Channel) -> list[tuple[str, int, str]]:
    """Make the demo's two calls; (what, HTTP status, answer) of each webhook."""
    ringing, missed = "CA" + secrets.token_hex(16), "CA" + secrets.token_hex(16)
    steps = [
        (
            "a call from the repeat caller, ringing",
            "inbound",
            ringing,
            REPEAT_CALLER,
            "ringing",
            {},
        ),
        ("a call from a new number", "inbound", missed, NEW_CALLER, "ringing", {}),
        (
            "... which nobody answers",
            "status",
            missed,
            NEW_CALLER,
            "in-progress",
            {"DialCallStatus": "no-answer"},
        ),
    ]
    done = []
    for what, hook, sid, caller, status, more in steps:
        code, answer = post(line, hook, call_params(line, sid, caller, status, **more))
        done.append((what, code, answer))
    return done
