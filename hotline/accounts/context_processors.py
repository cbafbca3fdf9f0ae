from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from hotline.accounts.access import uses_form_token
from hotline.lib import form_token


def public_form_token(request: HttpRequest) -> dict[str, object]:
    """On a public page, `{% csrf_token %}` writes a signed form token instead of Django's
    cookie-bound one, so that the page sets no cookie. Django's own `csrf_token` (always given
    first) stays on every other page."""
    match = request.resolver_match
    if match is None or not uses_form_token(match.func):
        return {}
    return {"csrf_token": SimpleLazyObject(form_token.issue)}
