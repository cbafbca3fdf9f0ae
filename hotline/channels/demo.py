"""The demo's text line: the channel `make demo` sets up for 233733, the local stand-in for
Twilio it talks to (`manage.py sms_gateway`), and the texts `manage.py sms_demo` sends to it
as a person's phone would, signed as Twilio signs them. Every number and word is fictional."""

import secrets
from urllib.error import HTTPError
from urllib.parse import urlencode
from urllib.request import Request, urlopen

from django.conf import settings
from twilio.request_validator import RequestValidator

from hotline.channels.actions import add_channel
from hotline.channels.models import Channel, Kind

NUMBER = "233733"  # the short code the public pages give ("text HELP or INFO to 233733")
ACCOUNT = "AC" + "de" * 16
GATEWAY_PORT = 8011
GATEWAY = f"http://127.0.0.1:{GATEWAY_PORT}"
NAME = "Demo text line (233733)"
# (sender, body): what the demo's people text. One asks for information and then for help;
# another asks not to be texted back, which the specialist records in the safe-contact plan.
TEXTS = [
    ("+12025550142", "HELP"),
    (
        "+12025550142",
        "My boss took my passport and says I owe him. I can't leave the house. "
        "Please help (fictional).",
    ),
    ("+12025550177", "Don't text back, he reads my phone. Call at 3pm? (fictional)"),
]


def channel() -> Channel | None:
    return Channel.objects.active().filter(kind=Kind.SMS, address=NUMBER).first()


def set_up() -> tuple[Channel, bool]:
    """The demo channel, created with a random test auth token in var/ if there is none."""
    existing = channel()
    if existing is not None:
        return existing, False
    path = settings.VAR_DIR / "demo-twilio-token"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(16) + "\n")
    created = add_channel(
        kind=Kind.SMS,
        name=NAME,
        address=NUMBER,
        account=ACCOUNT,
        secret_file=str(path),
        api_base=GATEWAY,
    )
    return created, True


def post_text(demo_channel: Channel, sender: str, body: str, sid: str) -> tuple[int, str]:
    """POST one incoming text to the running server's webhook as Twilio would; its answer."""
    url = demo_channel.webhook_url("inbound")
    params = {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": demo_channel.account,
        "From": sender,
        "To": demo_channel.address,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
        "SmsStatus": "received",
        "ApiVersion": "2010-04-01",
    }
    signature = RequestValidator(demo_channel.secret()).compute_signature(url, params)
    request = Request(  # noqa: S310 (the server's own SITE_URL)
        url, data=urlencode(params).encode(), headers={"X-Twilio-Signature": str(signature)}
    )
    try:
        with urlopen(request, timeout=10) as answer:  # noqa: S310
            return answer.status, answer.read().decode()
    except HTTPError as error:
        return error.code, error.read().decode()
