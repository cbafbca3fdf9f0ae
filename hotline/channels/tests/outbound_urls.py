"""The site's URLconf, with stand-ins for the webhook addresses when the inbound part (its own
webhook_urls.py, namespace "channels") is not there: sending names the status webhook
(`channel.webhook_url("status")`), and these tests check the address it gives the provider.
Once the real webhook URLs are in hotline/urls.py this adds nothing."""

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern, URLResolver, include, path

from hotline.urls import urlpatterns as site_urlpatterns


def _not_here(request: HttpRequest, public_id: str) -> HttpResponse:
    return HttpResponse(status=404)


_HAS_WEBHOOKS = any(
    isinstance(p, URLResolver) and p.namespace == "channels" for p in site_urlpatterns
)
_STAND_INS: list[URLPattern | URLResolver] = [
    path("<str:public_id>/sms/inbound", _not_here, name="sms_inbound"),
    path("<str:public_id>/sms/status", _not_here, name="sms_status"),
]
urlpatterns = [*site_urlpatterns]
if not _HAS_WEBHOOKS:
    urlpatterns.append(path("channels/", include((_STAND_INS, "channels"))))
