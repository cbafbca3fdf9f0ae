"""The provider's webhooks: a message received, a message's status.

The views are public (no session, no CSRF token): the provider's signature is their only
check. The channel is named by its random public id in the address, so its secret is known
before the body is read; the request is verified against the address as the provider called it: the
configured public base (settings.SITE_URL, what the provider was given and signed, also behind
a proxy) and the path and query as received. Unknown or inactive channel: 404; a bad or missing
signature: 403; in both cases nothing is stored and nothing of the body is logged (nothing of
it is logged ever: it is personal data).

Each request is taken once (hotline.lib.idempotency): its key is the provider's idempotency
token when it sends one, else the message id (and, for a status, the status). A retry gets the
first answer again and stores nothing. Twilio's signature carries no timestamp, so a "stale"
request cannot be told by its age: a replay of an old signed request is a retry like any
other, caught by its key (and, under another token, by the message's unique provider id).
"""

import logging

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from hotline.accounts.access import public
from hotline.channels import inbound, providers
from hotline.channels.models import Channel, Kind, WebhookKey, active_channel
from hotline.lib import idempotency

logger = logging.getLogger(__name__)


def _channel(public_id: str, kind: str) -> Channel:
    channel = active_channel(kind, public_id)
    if channel is None:
        raise Http404(_("No such channel."))
    return channel


def _verified(
    request: HttpRequest, channel: Channel, adapter: providers.Adapter
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


@public
@csrf_exempt
@require_POST
def sms_inbound(request: HttpRequest, public_id: str) -> HttpResponse:
    channel = _channel(public_id, Kind.SMS)
    adapter = providers.for_channel(channel)
    refused = _verified(request, channel, adapter)
    if refused is not None:
        return refused
    params = request.POST.dict()
    try:
        message = adapter.inbound(params)
    except ValueError:
        return HttpResponse(_("This is not a message: it needs MessageSid and From."), status=400)
    key = adapter.idempotency_key(request.headers) or f"sms:{message.provider_id}"
    try:
        with idempotency.once(WebhookKey, key, params, channel=channel) as attempt:
            if not attempt.replayed:
                result = inbound.take(channel, message)
                attempt.done(200, {"reply": result.reply or ""})
    except idempotency.Refused as error:
        return _refused(error)
    except ValueError:
        return HttpResponse(_("This message has no usable sender."), status=400)
    _status, body = attempt.response
    return adapter.reply((body or {}).get("reply") or None)


@public
@csrf_exempt
@require_POST
def sms_status(request: HttpRequest, public_id: str) -> HttpResponse:
    channel = _channel(public_id, Kind.SMS)
    adapter = providers.for_channel(channel)
    refused = _verified(request, channel, adapter)
    if refused is not None:
        return refused
    params = request.POST.dict()
    try:
        report = adapter.status(params)
    except ValueError:
        return HttpResponse(
            _("This is not a status report: it needs MessageSid and a known MessageStatus."),
            status=400,
        )
    raw_status = params.get("MessageStatus", "").strip().lower()
    key = adapter.idempotency_key(request.headers) or f"status:{report.provider_id}:{raw_status}"
    try:
        with idempotency.once(WebhookKey, key, params, channel=channel) as attempt:
            if not attempt.replayed:
                inbound.record_status(channel, report)
                attempt.done(200, {})
    except idempotency.Refused as error:
        return _refused(error)
    return adapter.reply(None)
