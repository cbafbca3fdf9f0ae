from typing import TYPE_CHECKING

from django import template
from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils import translation

if TYPE_CHECKING:  # imported where used, once the apps are loaded
    from hotline.library.models import Audience
    from hotline.site.models import PublicSettings

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context: template.Context) -> list[dict[str, object]]:
    """The current page in each language, for the language switch."""
    request: HttpRequest = context["request"]
    current = getattr(request, "LANGUAGE_CODE", settings.LANGUAGE_CODE)
    return [
        {
            "code": code,
            # Each language in its own name: a visitor who cannot read the page finds theirs.
            "name": translation.get_language_info(code)["name_local"],
            "url": translate_url(request.path, code),
            "current": code == current,
        }
        for code, _name in settings.LANGUAGES
    ]


@register.simple_tag
def hotline_name() -> str:
    return str(settings.HOTLINE_NAME)


@register.simple_tag(takes_context=True)
def public_settings(context: template.Context) -> "PublicSettings":
    """The deployment's public numbers and quick-exit address, read once per request."""
    from hotline.site.models import PublicSettings

    request = context.get("request")
    found = getattr(request, "_public_settings", None)
    if found is None:
        found = PublicSettings.current()
        if request is not None:
            request._public_settings = found
    return found


@register.filter
def tel(number: str) -> str:
    from hotline.site.models import PublicSettings

    return PublicSettings.tel(number)


@register.simple_tag
def audience_links() -> list["Audience"]:
    """Every audience for the public navigation, in the vocabulary's order."""
    from hotline.library.models import Audience

    return list(Audience.objects.all())


@register.simple_tag(takes_context=True)
def query_without(context: template.Context, *names: str) -> str:
    """The current query string without the named parameters (and without the page)."""
    request: HttpRequest = context["request"]
    params = request.GET.copy()
    for name in (*names, "page"):
        params.pop(name, None)
    return params.urlencode()
