import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django_otp import user_has_device

from hotline.accounts.access import access_of

Handler = Callable[[HttpRequest], HttpResponse]


class SessionLimitsMiddleware:
    """Ends a session after SESSION_IDLE_SECONDS without a request, and SESSION_MAX_SECONDS after
    sign-in whatever happens."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = session.setdefault("signed_in_at", now)
            last_seen = session.get("last_seen_at", now)
            if (
                now - last_seen > settings.SESSION_IDLE_SECONDS
                or now - started > settings.SESSION_MAX_SECONDS
            ):
                from hotline.accounts.actions import end_session

                end_session(request, reason="expired")
                messages.info(request, _("Your session ended. Please sign in again."))
            elif now - last_seen >= 30 or "last_seen_at" not in session:
                session["last_seen_at"] = now
        return self.get_response(request)


class StaffGateMiddleware:
    """Closes every view that is not marked public to anyone who is not fully signed in."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., HttpResponseBase],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        access = access_of(view)
        if access == "public":
            return None
        user = request.user
        if not user.is_authenticated or not user.is_active:
            return redirect_to_login(request.get_full_path())
        if access == "signin":
            return None
        if user.must_change_password:
            return redirect("accounts:first_password")
        if not user_has_device(user, confirmed=True):
            return redirect("accounts:two_factor_setup")
        if not user.is_verified():
            return redirect_to_login(
                request.get_full_path(), login_url=settings.TWO_FACTOR_VERIFY_URL
            )
        return None
