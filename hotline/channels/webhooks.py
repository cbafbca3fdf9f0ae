"""The provider's webhooks: a message received, a message's status; a call coming in, news of
a call (answered, ended and how).

The views are public (no session, no CSRF token): the provider's signature is their only
check. The channel is named by its random public id in the address, so its secret is known
before the body is read; the request is verified against the address as the provider called it: the
configured public base (settings.SITE_URL, what the provider was given and signed, also behind
a proxy) and the path and query as received. Unknown or inactive channel: 404; a bad or missing
signature: 403; in both cases nothing is stored and nothing of the body is logged (nothing of
it is logged ever: it is personal data).

Each request is taken once (hotline.lib.idempotency): its key is the provider's idempotency
token when it sends one, else the message id (and, for a status, the status), or the call's
CallSid and status. A retry gets the
first answer again and stores nothing. Twilio's signature carries no timestamp, so a "stale"
request cannot be told by its age: a replay of an old signed request is a retry like any
other, caught by its key (and, under another token, by the message's unique provider id).
"""

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from hotline.accounts.access import public
from hotline.channels import calls, inbound, providers
from hotline.channels.models import Channel, Kind, Provider, WebhookKey, active_channel
from hotline.lib import idempotency

logger = logging.getLogger(__name__)


def _channel(public_id: str, kind: str) -> Channel:
    channel = active_channel(kind, public_id)
    # A phone line that reports through the API takes no webhooks.
    if channel is None or channel.provider == Provider.API:
        raise Http404(_("No such channel."))
    return channel


def _verified(
    request: HttpRequest, channel: Channel, adapter: providers.Verifier
) -> HttpResponse | None:
    """None when the request is the provider's; otherwise the answer to give."""
    url = settings.SITE_URL.rstrip("/") + request.get_full_path()
    try:
        genuine = adapter.verify(channel, url, request.POST.dict(), request.headers)
    except ImproperlyConfigured:
        # The channel's secret cannot be read: the operator must fix it; the provider may
        # retry meanwhile. The channel's id only, never the request.
        logger.error("channel %s: its secret cannot be read; webhook refused", channel.pk)
        return HttpResponse(_("This channel is not configured."), status=503)
    if not genuine:
        return HttpResponse(_("The request's signature is missing or wrong."), status=403)
    return None


def _refused(error: idempotency.Refused) -> HttpResponse:
    if error.status == 422:
        return HttpResponse(_("This request was already taken with other contents."), status=422)
    return HttpResponse(_("The request's idempotency token is not usable."), status=400)


def _signed(request: HttpRequest, public_id: str, kind: str) -> tuple[Channel, HttpResponse | None]:
    """The channel the address names, and None when the request is its provider's (the answer
    to give otherwise)."""
    channel = _channel(public_id, kind)
    verifier: providers.Verifier = (
        providers.voice_for_channel(channel)
        if kind == Kind.VOICE
        else providers.for_channel(channel)
    )
    return channel, _verified(request, channel, verifier)


def _once(
    channel: Channel,
    verifier: providers.Verifier,
    request: HttpRequest,
    key: str,
    work: Callable[[], dict[str, Any]],
) -> dict[str, Any] | HttpResponse:
    """`work` done once for the request (the provider's idempotency token, else `key`); the body
    it stored, or the answer to a refused request."""
    params = request.POST.dict()
    key = verifier.idempotency_key(request.headers) or key
    try:
        with idempotency.once(WebhookKey, key, params, channel=channel) as attempt:
            if not attempt.replayed:
                attempt.done(200, work())
    except idempotency.Refused as error:
        return _refused(error)
    _status, body = attempt.response
    return body or {}


@public
@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest, public_id: str) -> HttpResponse:
    channel, refused = _signed(request, public_id, Kind.SMS)
    if refused is not None:
        return refused
    adapter = providers.for_channel(channel)
    try:
        message = adapter.inbound(request.POST.dict())
    except ValueError:
        return HttpResponse(_("This is not a message: it needs MessageSid and From."), status=400)

    def work() -> dict[str, Any]:
        return {"reply": inbound.take(channel, message).reply or ""}

    try:
        body = _once(channel, adapter, request, f"sms:{message.provider_id}", work)
    except ValueError:
        return HttpResponse(_("This message has no usable sender."), status=400)
    if isinstance(body, HttpResponse):
        return body
    return adapter.reply(body.get("reply") or None)


@public
@csrf_exempt
@require_POST
def sms_status(request: HttpRequest, public_id: str) -> HttpResponse:
    channel, refused = _signed(request, public_id, Kind.SMS)
    if refused is not None:
        return refused
    adapter = providers.for_channel(channel)
    params = request.POST.dict()
    try:
        report = adapter.status(params)
    except ValueError:
        return HttpResponse(
            _("This is not a status report: it needs MessageSid and a known MessageStatus."),
            status=400,
        )
    raw_status = params.get("MessageStatus", "").strip().lower()

    def work() -> dict[str, Any]:
        inbound.record_status(channel, report)
        return {}

    body = _once(channel, adapter, request, f"status:{report.provider_id}:{raw_status}", work)
    return body if isinstance(body, HttpResponse) else adapter.reply(None)


def _call_news(request: HttpRequest, public_id: str, answer: bool) -> HttpResponse:
    """A call coming in (`answer`: the provider waits for what to do with it) or news of one."""
    channel, refused = _signed(request, public_id, Kind.VOICE)
    if refused is not None:
        return refused
    adapter = providers.voice_for_channel(channel)
    params = request.POST.dict()
    try:
        event = adapter.call_event(params)
    except ValueError:
        return HttpResponse(
            _("This is not news of a call: it needs CallSid and a known CallStatus."),
            status=400,
        )

    def work() -> dict[str, Any]:
        calls.take(channel, event)
        return {}

    body = _once(channel, adapter, request, f"call:{adapter.event_key(params)}", work)
    if isinstance(body, HttpResponse):
        return body
    if answer:
        return adapter.answer_call(
            channel,
            status_url=channel.webhook_url("status"),
            record=settings.HOTLINE_CALL_RECORDING,
        )
    return adapter.acknowledge()


@public
@csrf_exempt
@require_POST
def voice_inbound(request: HttpRequest, public_id: str) -> HttpResponse:
    return _call_news(request, public_id, answer=True)


@public
@csrf_exempt
@require_POST
def voice_status(request: HttpRequest, public_id: str) -> HttpResponse:
    return _call_news(request, public_id, answer=False)
