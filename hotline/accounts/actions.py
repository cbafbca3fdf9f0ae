"""Writes to staff accounts. Each is one transaction with its audit event."""

import secrets

from django.contrib.auth import login, logout
from django.db import transaction
from django.http import HttpRequest
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hotline.accounts import emails
from hotline.accounts.access import invite_link
from hotline.accounts.models import Agency, Role, User
from hotline.audit.actions import record

RECOVERY_CODES = 10


@transaction.atomic
def create_staff(
    actor: User,
    *,
    username: str,
    role: Role,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    agency: Agency | None = None,
) -> tuple[User, str]:
    """A new account without a usable password; returns it with its invite link, which is also
    mailed to the address when there is one."""
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=role,
        agency=agency,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    record("staff.create", actor=actor, obj=user, detail={"role": role})
    if email:
        emails.invite.send(user.pk)
    return user, invite_link(user)


@transaction.atomic
def update_staff(
    actor: User, user: User, *, role: Role, agency: Agency | None, is_active: bool
) -> None:
    old_role, old_active = user.role, user.is_active
    user.role, user.agency, user.is_active = role, agency, is_active
    user.full_clean()
    user.save(update_fields=["role", "agency", "is_active"])
    if old_role != role:
        record("staff.role_change", actor=actor, obj=user, detail={"from": old_role, "to": role})
    if old_active != is_active:
        record("staff.activate" if is_active else "staff.deactivate", actor=actor, obj=user)
    record("staff.update", actor=actor, obj=user, detail={"agency": user.agency_id})


@transaction.atomic
def reissue_invite(actor: User, user: User) -> str:
    """A fresh invite link; the old password stops working, and with it every session."""
    user.set_unusable_password()
    user.save(update_fields=["password"])
    record("staff.invite", actor=actor, obj=user)
    if user.email:
        emails.invite.send(user.pk)
    return invite_link(user)


@transaction.atomic
def reset_two_factor(actor: User, user: User) -> None:
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    record("staff.two_factor_reset", actor=actor, obj=user)


@transaction.atomic
def set_password(user: User, password: str, *, action: str) -> None:
    """Sets the user's own password. Django's session hash changes with it, which ends every
    other session of the user."""
    user.set_password(password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    record(action, actor=user, obj=user)


@transaction.atomic
def start_totp_enrolment(user: User) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator app", confirmed=False)
    return device


@transaction.atomic
def confirm_totp_enrolment(request: HttpRequest, device: TOTPDevice) -> list[str]:
    """Confirms the authenticator and returns new recovery codes, shown once."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=device.user).delete()
    static = StaticDevice.objects.create(user=device.user, name="recovery codes")
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=static, token=code) for code in codes])
    otp_login(request, device)
    record("auth.two_factor_enrol", actor=device.user, obj=device.user)
    return codes


@transaction.atomic
def record_throttled_sign_in() -> None:
    """A sign-in refused unheard because of too many failures: no name, no address."""
    record("auth.login_throttled")


@transaction.atomic
def pass_two_factor(request: HttpRequest, user: User, device: Device) -> None:
    """The session is verified with `device`, whose token the user just gave."""
    otp_login(request, device)
    record("auth.two_factor_pass", actor=user, obj=user)


@transaction.atomic
def fail_two_factor(user: User) -> None:
    record("auth.two_factor_fail", actor=user, obj=user)


@transaction.atomic
def sign_in(request: HttpRequest, user: User) -> None:
    login(request, user)  # the user_logged_in signal writes the audit event


def end_session(request: HttpRequest, *, reason: str) -> None:
    with transaction.atomic():
        if request.user.is_authenticated:
            record("auth.logout", actor=request.user, obj=request.user, detail={"reason": reason})
        logout(request)


def one_time_password() -> str:
    """A password for a demo account, to be replaced at first sign-in."""
    return secrets.token_urlsafe(12)
