"""Personas and signed-in clients shared by every app's tests (STYLE.md: one fixture module)."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.test import Client
from django.urls import clear_url_caches
from django.utils import translation
from django_otp.plugins.otp_totp.models import TOTPDevice

from hotline.accounts.models import Agency, Role, User
from hotline.lib import cache


@receiver(setting_changed)
def _urls_follow_the_default_language(setting: str, **kwargs: Any) -> None:
    """The URL resolver keeps its reverse mappings per language, with the language prefix as it
    was when they were built; a test that changes LANGUAGE_CODE would leave the other default's
    prefix behind for the tests after it."""
    if setting == "LANGUAGE_CODE":
        clear_url_caches()


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
def _fast_and_quiet(settings: Any, tmp_path: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each test's audit chain starts empty: so do its checkpoints.
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "audit-checkpoints"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.EMAIL_ATTACHMENT_DIR = tmp_path / "email-attachments"
    # A page rendered in Spanish leaves Spanish active in this thread; reverse() would then
    # build /es/ addresses in the next test.
    translation.activate(settings.LANGUAGE_CODE)
    # Each test's rows are rolled back without signals: what the process keeps of them must go
    # too (the values kept per process).
    cache.forget_here()


def make_user(role: Role, username: str | None = None, agency: Agency | None = None) -> User:
    user = User(username=username or role.value, role=role, agency=agency)
    user.set_password(PASSWORD)
    user.save()
    return user


def default_service_hours() -> None:
    """The calendars and SLA policies a data migration creates. Transactional tests empty the
    tables after them, and serialized_rollback does not bring the rows back in a test that uses
    both the browser and the live server: the test's connection no longer holds the rows
    serialized at setup (Django 5.2, pytest-django 4)."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "hotline.hours.migrations.0002_default_calendars_and_policies"
    )
    migration.create_defaults(apps, None)


@pytest.fixture
def business_hours_always_open(db: None) -> None:
    """The default business hours (9am-9pm Eastern on weekdays) open around the clock, for
    tests of non-urgent work that are not about hours: the suite runs at any hour, and after
    hours a non-urgent contact arrives as a message taken, with deadlines in business time."""
    from hotline.hours.models import Calendar

    calendar = Calendar.objects.get(name="Business hours (Eastern)")
    calendar.always_open = True
    calendar.save(update_fields=["always_open"])
    cache.forget_here()


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


def send_queued_emails() -> int:
    """Run the queued email tasks once each, as the worker would (`db_worker` itself would close
    the test's database connection); returns how many messages went out."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from hotline.lib.emails import deliver

    queued = DBTaskResult.objects.filter(task_path="hotline.lib.emails.deliver")
    sent = 0
    for row in queued.filter(status=TaskResultStatus.READY).order_by("enqueued_at"):
        sent += deliver.call(*row.args_kwargs["args"])
        queued.filter(pk=row.pk).update(status=TaskResultStatus.SUCCESSFUL)
    return sent


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


# --- Browser tests (marked `browser`): one headless Chromium per test module -------------------
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright. Skips when Chromium is absent, except in CI
    (CI=true), where a missing browser is a failure.

    One per test module rather than per session: while Playwright runs, its event loop runs in
    this thread, and Django refuses database access unless DJANGO_ALLOW_ASYNC_UNSAFE is set. That
    variable must not outlive the browser tests (subprocesses of later tests would inherit it,
    and `check --deploy` rightly fails on it)."""
    import os
    from pathlib import Path

    if not Path(CHROMIUM).exists():
        reason = f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(service_workers="block")
    tab = context.new_page()
    yield tab
    context.close()
