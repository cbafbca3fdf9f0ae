import re
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, resolve_url
from django.urls import get_callable
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext as _
from django_otp import user_has_device

from hotline.accounts.access import access_of, is_background, uses_form_token
from hotline.lib import form_token

Handler = Callable[[HttpRequest], HttpResponse]


class SessionLimitsMiddleware:
    """Ends a session after SESSION_IDLE_SECONDS without a person's request, and
    SESSION_MAX_SECONDS after sign-in whatever happens.

    Only a person's request resets the idle clock: a background request (the queue's refresh
    script, see `access.background`) does not, or a console left open would never time out."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            started = session.setdefault("signed_in_at", now)
            last_seen = session.setdefault("last_seen_at", now)
            if (
                now - last_seen > settings.SESSION_IDLE_SECONDS
                or now - started > settings.SESSION_MAX_SECONDS
            ):
                from hotline.accounts.actions import end_session

                end_session(request, reason="expired")
                messages.info(request, _("Your session ended. Please sign in again."))
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., HttpResponseBase],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> None:
        # Here rather than in __call__: whether the request is background depends on the view.
        if request.user.is_authenticated and not is_background(request, view):
            now = int(time.time())
            # Written at most every 30 seconds, so that a burst of clicks is one session save.
            if now - request.session.get("last_seen_at", 0) >= 30:
                request.session["last_seen_at"] = now


class PublicFormTokenMiddleware(MiddlewareMixin):
    """Checks the signed token of a public view's form (see `hotline.lib.form_token`) in place
    of Django's cookie-bound CSRF check, which then skips the view: the public site leaves no
    cookie on a visitor's device. Every other view keeps Django's CsrfViewMiddleware, which
    comes next."""

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., HttpResponseBase],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if not uses_form_token(view) or getattr(view, "csrf_exempt", False):
            return None  # Django's check, or none at all for a view exempt from it (webhooks)
        checked = request.method not in ("GET", "HEAD", "OPTIONS", "TRACE") and not getattr(
            request,
            "_dont_enforce_csrf_checks",
            False,  # Django's test client, as Django does
        )
        reason = form_token.refusal(request) if checked else None
        if reason is not None:
            failure: Callable[..., HttpResponseBase] = get_callable(settings.CSRF_FAILURE_VIEW)
            return failure(request, reason=reason)
        # Django's own flag for "checked already": CsrfViewMiddleware then leaves this view alone.
        request.csrf_processing_done = True  # type: ignore[attr-defined]
        return None


class StaffGateMiddleware(MiddlewareMixin):
    """Closes every view that is not marked public to anyone who is not fully signed in."""

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
        background = is_background(request, view)
        if not user.is_authenticated or not user.is_active:
            return _send_to(request, settings.LOGIN_URL, background)
        if access == "signin":
            return None
        if user.must_change_password:
            return _send_to(request, "accounts:first_password", background, with_next=False)
        if not user_has_device(user, confirmed=True):
            return _send_to(request, "accounts:two_factor_setup", background, with_next=False)
        if not user.is_verified():
            return _send_to(request, settings.TWO_FACTOR_VERIFY_URL, background)
        return None


def _send_to(
    request: HttpRequest, to: str, background: bool, *, with_next: bool = True
) -> HttpResponse:
    """A person is redirected to the step; a page's script gets 401 and where to send the
    person (it navigates the whole page there, with the page it is on as `next`), rather than a
    sign-in form to paste into the page."""
    if background:
        return JsonResponse({"signed_in": False, "location": resolve_url(to)}, status=401)
    if with_next:
        return redirect_to_login(request.get_full_path(), login_url=to)
    return redirect(to)


# Bidirectional embeddings, overrides and isolates (U+202A..U+202E, U+2066..U+2069) as UTF-8 bytes:
# UTF-8 never matches a character inside another one, so the bytes can be searched as they are.
# The marks U+200E, U+200F and U+061C only nudge neighbouring characters and are left alone.
BIDI_CONTROLS = re.compile(rb"\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")


def _visible(match: re.Match[bytes]) -> bytes:
    return b"[U+%04X]" % ord(match.group().decode())


class InertTextMiddleware:
    """Shows, rather than obeys, the bidi control characters on staff pages.

    Someone who writes a tip, a directory application or an API contact can hide text or make
    it read backwards (U+202E turns "evil" into what looks like "live") on the pages where staff
    read it. One place for every staff page, every field and every form: the HTML sent, in which
    each such character becomes visible text, "[U+202E]", that reorders nothing. In an edit form
    the person sees it too and saving keeps that visible form. Public pages are left as they are
    (their text is the hotline's, and translations may need isolates)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        match = request.resolver_match
        if (
            response.streaming
            or not response.get("Content-Type", "").startswith("text/html")
            or (match is not None and access_of(match.func) == "public")
        ):
            return response
        response.content = BIDI_CONTROLS.sub(_visible, response.content)
        return response
