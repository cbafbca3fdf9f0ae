"""How views declare who may open them.

Every view is staff-only by default: `StaffGateMiddleware` lets a request through only for a
signed-in, active account that has set its own password and passed two-factor. A view opts out
with `@public` (anyone) or `@signin_step` (a signed-in user still on the way: new password,
two-factor enrolment or check). On top of the gate, `@require_perm` checks a rule.

A view the gate guards (any view not marked `@public`) takes an `AuthenticatedHttpRequest`: its
`request.user` is a `User`, never `AnonymousUser`. A public view takes a plain `HttpRequest`.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, Literal, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from hotline.accounts.models import User

Access = Literal["public", "signin", "staff"]
View = Callable[..., HttpResponseBase]
V = TypeVar("V", bound=View)


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


def signin_step(view: V) -> V:
    view.hotline_access = "signin"  # type: ignore[attr-defined]
    return view


def require_perm(perm: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
