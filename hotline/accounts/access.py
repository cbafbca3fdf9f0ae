"""How views declare who may open them.

Every view is staff-only by default: `StaffGateMiddleware` lets a request through only for a
signed-in, active account that has set its own password and passed two-factor. A view opts out
with `@public` (anyone) or `@signin_step` (a signed-in user still on the way: new password,
two-factor enrolment or check). On top of the gate, `@require_perm` checks a rule.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

Access = Literal["public", "signin", "staff"]
View = Callable[..., HttpResponse]


def access_of(view: Any) -> Access:
    return getattr(view, "hotline_access", "staff")


def public(view: View) -> View:
    view.hotline_access = "public"  # type: ignore[attr-defined]
    return view


def signin_step(view: View) -> View:
    view.hotline_access = "signin"  # type: ignore[attr-defined]
    return view


def require_perm(perm: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
