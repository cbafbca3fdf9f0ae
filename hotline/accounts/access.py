"""How views declare who may open them.

Every view is staff-only by default: `StaffGateMiddleware` lets a request through only for a
signed-in, active account that has set its own password and passed two-factor. A view opts out
with `@public` (anyone) or `@signin_step` (a signed-in user still on the way: new password,
two-factor enrolment or check). A public view's forms carry a signed token instead of Django's
CSRF cookie, unless it is marked `@csrf_cookie` (signing in). On top of the gate, `@require_perm`
checks a rule. A view only a page's script calls is marked `@background` (and the scripts send
BACKGROUND_HEADER): it does not count as activity, and when the session has ended it gets a 401
JSON answer, not a redirect.

A view the gate guards (any view not marked `@public`) takes an `AuthenticatedHttpRequest`: its
`request.user` is a `User`, never `AnonymousUser`. A public view takes a plain `HttpRequest`.
Below them, the access helpers of this app (each app has its own `access.py`): a view gets a
protected object only through one of them, which returns it or raises Http404 (or
PermissionDenied where the user may see it but not do this to it).
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, Literal, TypeVar

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponseBase
from django.urls import reverse
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from hotline.accounts.models import User

Access = Literal["public", "signin", "staff"]
View = Callable[..., HttpResponseBase]
V = TypeVar("V", bound=View)
# Who asks, as `request.user` has it: the access helpers of every app take one.
Viewer = User | AnonymousUser
# Sent by the pages' own scripts (the queue's refresh): the request is not a person's action.
BACKGROUND_HEADER = "X-Hotline-Background"


class AuthenticatedHttpRequest(HttpRequest):
    """A request `StaffGateMiddleware` let through to a view not marked `@public`: it comes from
    a signed-in, active account. Only a type: Django makes the requests."""

    user: User


def access_of(view: object) -> Access:
    return getattr(view, "hotline_access", "staff")


def public(view: V) -> V:
    # mypy knows no attributes of a function but its own: this mark is set on the view itself.
    view.hotline_access = "public"  # type: ignore[attr-defined]
    return view


def csrf_cookie(view: V) -> V:
    """A `@public` view that keeps Django's cookie-bound CSRF protection: signing in, where a
    forged request would put a person in someone else's session. Every other public view acts as
    nobody, and its form is protected by a signed token instead (`hotline.lib.form_token`),
    so that it leaves no cookie on the visitor's device."""
    view.hotline_csrf_cookie = True  # type: ignore[attr-defined]
    return view


def uses_form_token(view: object) -> bool:
    return access_of(view) == "public" and not getattr(view, "hotline_csrf_cookie", False)


def signin_step(view: V) -> V:
    view.hotline_access = "signin"  # type: ignore[attr-defined]
    return view


def background(view: V) -> V:
    """A view that only a page's own script calls (a refresh): it is never a person's action, so
    it does not reset the session's idle clock, whether or not the script sent the header."""
    view.hotline_background = True  # type: ignore[attr-defined]
    return view


def is_background(request: HttpRequest, view: object = None) -> bool:
    return request.headers.get(BACKGROUND_HEADER) == "1" or bool(
        getattr(view, "hotline_background", False)
    )


def require_perm(perm: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


# --- Access helpers -----------------------------------------------------------------------------


def get_staff_member_for(user: Viewer, member_id: int) -> User:
    """A staff account, for an administrator (the views require `accounts.manage_staff`)."""
    member = User.objects.filter(pk=member_id).first()
    if member is None:
        raise Http404
    return member


def invite_link(user: User) -> str:
    """A link that lets `user` choose a password, good until it is used, a newer invite is made,
    or INVITE_LINK_HOURS pass. Nothing of it is stored: the token is an HMAC of the account's
    state (Django's token generator), made again whenever a link is needed, so that neither the
    database nor the task queue holds a live link."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("accounts:invite", args=[uid, token])


def get_invited_user(uidb64: str, token: str) -> User | None:
    """The active account an invite link names, if the link's token is still good for it."""
    try:
        member_id = int(force_str(urlsafe_base64_decode(uidb64)))
    except ValueError:  # not base64, or not a number
        return None
    member = User.objects.filter(pk=member_id, is_active=True).first()
    if member is None or not default_token_generator.check_token(member, token):
        return None
    return member
