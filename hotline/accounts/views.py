from base64 import b32encode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from hotline.accounts import actions
from hotline.accounts.access import (
    AuthenticatedHttpRequest,
    csrf_cookie,
    get_invited_user,
    get_staff_member_for,
    public,
    require_perm,
    signin_step,
)
from hotline.accounts.forms import (
    NewPasswordForm,
    SignInForm,
    StaffChangeForm,
    StaffForm,
    TokenForm,
)
from hotline.accounts.models import User
from hotline.lib.throttle import Throttle, client_address


def _throttles() -> tuple[Throttle, Throttle]:
    # Per name *and* address: an attacker cannot lock a specialist out from elsewhere. Per
    # address alone, with a higher limit: one address cannot try many names.
    return (
        Throttle("login", settings.LOGIN_THROTTLE_ATTEMPTS, settings.LOGIN_THROTTLE_SECONDS),
        Throttle(
            "login-address",
            settings.LOGIN_THROTTLE_ADDRESS_ATTEMPTS,
            settings.LOGIN_THROTTLE_SECONDS,
        ),
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse(settings.LOGIN_REDIRECT_URL)


@public
@csrf_cookie
@never_cache
@sensitive_post_parameters()
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = SignInForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        username, address = form.cleaned_data["username"], client_address(request)
        pair, by_address = _throttles()
        # Each attempt takes a slot first, so that attempts sent at once are counted too.
        pair_slot, address_slot = pair.take(username, address), by_address.take(address)
        if pair_slot is None or address_slot is None:
            if pair_slot is not None:
                pair.give_back(pair_slot)
            if address_slot is not None:
                by_address.give_back(address_slot)
            actions.record_throttled_sign_in()
            form.add_error(
                None,
                _("Too many failed attempts. Wait %(minutes)d minutes and try again.")
                % {"minutes": settings.LOGIN_THROTTLE_SECONDS // 60},
            )
            status = 429
        else:
            user = authenticate(request, username=username, password=form.cleaned_data["password"])
            if user is None:
                form.add_error(None, _("That user name and password do not match."))
            else:
                # A success does not count: the pair starts over, the address's slot goes back.
                pair.reset(username, address)
                by_address.give_back(address_slot)
                actions.sign_in(request, user)
                return redirect(_next_url(request))
    return render(
        request, "accounts/sign_in.html", {"form": form, "next": _next_url(request)}, status=status
    )


@signin_step
@require_POST
def sign_out(request: AuthenticatedHttpRequest) -> HttpResponse:
    actions.end_session(request, reason="signout")
    messages.info(request, _("You are signed out."))
    return redirect("accounts:login")


@signin_step
@never_cache
@sensitive_post_parameters()
def first_password(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A user who signed in with a one-time password chooses their own."""
    user = request.user
    assert isinstance(user, User)
    if not user.must_change_password:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = NewPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.set_password(user, form.cleaned_data["new_password1"], action="auth.password_set")
        update_session_auth_hash(request, user)
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/first_password.html", {"form": form})


@never_cache
@sensitive_post_parameters()
def change_password(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.set_password(
            user, form.cleaned_data["new_password1"], action="auth.password_change"
        )
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password is changed. Your other sessions have ended."))
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/change_password.html", {"form": form})


@public
@never_cache
@sensitive_post_parameters()
def accept_invite(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = get_invited_user(uidb64, token)
    if user is None:
        return render(request, "accounts/invite_invalid.html", status=400)
    form = NewPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        actions.set_password(user, form.cleaned_data["new_password1"], action="auth.invite_accept")
        messages.success(request, _("Your password is set. Sign in to set up two-factor."))
        return redirect("accounts:login")
    return render(request, "accounts/invite.html", {"form": form, "invited": user})


@signin_step
@never_cache
def two_factor_setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Guided enrolment of an authenticator app, then recovery codes shown once."""
    user = request.user
    assert isinstance(user, User)
    if user.must_change_password:
        return redirect("accounts:first_password")
    if user_has_device(user, confirmed=True):
        return redirect(settings.LOGIN_REDIRECT_URL)
    device = actions.start_totp_enrolment(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            codes = actions.confirm_totp_enrolment(request, device)
            return render(request, "accounts/recovery_codes.html", {"codes": codes})
        form.add_error("token", _("That code is not right. Check the time on your phone."))
    secret = b32encode(device.bin_key).decode()
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, title="QR code")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": qr_svg,
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        },
    )


@signin_step
@never_cache
def two_factor_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    if not user_has_device(user, confirmed=True):
        return redirect("accounts:two_factor_setup")
    if user.is_verified():
        return redirect(_next_url(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        for device in devices_for_user(user, confirmed=True):
            # Each device throttles its own failures (django-otp's ThrottlingMixin).
            if device.verify_token(token):
                actions.pass_two_factor(request, user, device)
                return redirect(_next_url(request))
        actions.fail_two_factor(user)
        form.add_error("token", _("That code is not right."))
    return render(
        request, "accounts/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


# --- Staff accounts, for administrators ---------------------------------------------------------


@require_perm("accounts.manage_staff")
def staff_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    staff = User.objects.select_related("agency").annotate(
        enrolled=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True))
    )
    return render(request, "accounts/staff_list.html", {"staff": staff})


@require_perm("accounts.manage_staff")
def staff_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = StaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user, link = actions.create_staff(
            request.user,
            **{f: form.cleaned_data[f] for f in StaffForm.Meta.fields},
        )
        return render(request, "accounts/staff_invite.html", {"member": user, "link": link})
    return render(request, "accounts/staff_form.html", {"form": form})


@require_perm("accounts.manage_staff")
def staff_edit(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    member = get_staff_member_for(request.user, user_id)
    # The form changes its own copy, so that `member` still holds the values before the change.
    form = StaffChangeForm(
        request.POST or None, instance=get_staff_member_for(request.user, user_id)
    )
    if request.method == "POST" and form.is_valid():
        if member.pk == request.user.pk and not form.cleaned_data["is_active"]:
            form.add_error("is_active", _("You cannot deactivate your own account."))
        else:
            actions.update_staff(
                request.user,
                member,
                role=form.cleaned_data["role"],
                agency=form.cleaned_data["agency"],
                is_active=form.cleaned_data["is_active"],
            )
            messages.success(request, _("Saved."))
            return redirect("accounts:staff_list")
    return render(request, "accounts/staff_form.html", {"form": form, "member": member})


@require_perm("accounts.manage_staff")
@require_POST
def staff_reinvite(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    member = get_staff_member_for(request.user, user_id)
    if member.pk == request.user.pk:
        raise Http404
    link = actions.reissue_invite(request.user, member)
    return render(request, "accounts/staff_invite.html", {"member": member, "link": link})


@require_perm("accounts.manage_staff")
@require_POST
def staff_reset_two_factor(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    member = get_staff_member_for(request.user, user_id)
    actions.reset_two_factor(request.user, member)
    messages.success(request, _("Two-factor is reset; the account enrols again at next sign-in."))
    return redirect("accounts:staff_edit", user_id=member.pk)
