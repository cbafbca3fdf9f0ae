"""Personas and signed-in clients shared by every app's tests (STYLE.md: one fixture module)."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from hotline.accounts.models import Agency, Role, User

PERSONAS = [
    "anonymous",
    "specialist",
    "supervisor",
    "program_staff",
    "curator",
    "administrator",
    "liaison_a",
    "liaison_b",
]
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def make_user(role: Role, username: str | None = None, agency: Agency | None = None) -> User:
    user = User(username=username or role.value, role=role, agency=agency)
    user.set_password(PASSWORD)
    user.save()
    return user


def enrol(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def signed_in_client(user: User) -> Client:
    """A client as after password and two-factor sign-in."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or enrol(user)
    client = Client()
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def agencies(db: None) -> tuple[Agency, Agency]:
    return (
        Agency.objects.create(name="Agency A Task Force"),
        Agency.objects.create(name="Agency B Police Department"),
    )


@pytest.fixture
def personas(agencies: tuple[Agency, Agency]) -> dict[str, User | None]:
    agency_a, agency_b = agencies
    return {
        "anonymous": None,
        "specialist": make_user(Role.SPECIALIST),
        "supervisor": make_user(Role.SUPERVISOR),
        "program_staff": make_user(Role.PROGRAM_STAFF),
        "curator": make_user(Role.CURATOR),
        "administrator": make_user(Role.ADMINISTRATOR),
        "liaison_a": make_user(Role.LIAISON, "liaison_a", agency_a),
        "liaison_b": make_user(Role.LIAISON, "liaison_b", agency_b),
    }


@pytest.fixture
def client_for(personas: dict[str, User | None]) -> Callable[[str], Client]:
    def build(persona: str) -> Client:
        user = personas[persona]
        return Client() if user is None else signed_in_client(user)

    return build
