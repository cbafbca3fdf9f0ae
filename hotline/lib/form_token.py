"""Cross-site request protection for the public, anonymous forms, without a cookie.

Django's CSRF protection ties a token in the form to a cookie, and that cookie would stay on the
device of a person who sent a tip, where someone who controls them may look. The public forms
(tip, ask for help, joining the directory, the public directory search) act as nobody, so what
needs guarding is only that the form was ours and sent from our pages: the form carries a
signed token that expires, in the field `{% csrf_token %}` writes, and the request must come from
this origin (Origin, or Sec-Fetch-Site where a browser sends no Origin). See
docs/decisions/0007-public-forms-without-a-csrf-cookie.md.
"""

import secrets

from django.conf import settings
from django.core import signing
from django.http import HttpRequest

FIELD = "csrfmiddlewaretoken"  # the field `{% csrf_token %}` writes
SALT = "hotline.lib.form-token"


def issue() -> str:
    return signing.TimestampSigner(salt=SALT).sign(secrets.token_urlsafe(16))


def refusal(request: HttpRequest) -> str | None:
    """Why a POST to a public form is refused (words for the log, not for the visitor), or
    None when it is good."""
    if not _same_origin(request):
        return "sent from another site"
    try:
        signing.TimestampSigner(salt=SALT).unsign(
            request.POST.get(FIELD, ""), max_age=settings.PUBLIC_FORM_TOKEN_SECONDS
        )
    except signing.SignatureExpired:
        return "form token expired"
    except signing.BadSignature:
        return "form token missing or wrong"
    return None


def _same_origin(request: HttpRequest) -> bool:
    origin = request.headers.get("Origin")
    if origin is not None:
        return (
            origin == f"{request.scheme}://{request.get_host()}"
            or origin in settings.CSRF_TRUSTED_ORIGINS
        )
    return request.headers.get("Sec-Fetch-Site", "same-origin") in {"same-origin", "none"}
