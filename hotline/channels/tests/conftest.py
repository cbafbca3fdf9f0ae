"""The mail servers for the email tests: one Dovecot for the session (a mailbox per test) and
an SMTP server per test. Dovecot absent: the tests that need it skip, except in CI (CI=true),
where they fail, as the browser tests do without Chromium."""

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline.channels.tests.mailserver import Dovecot, Mailbox, SmtpSink, available


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    if not available():
        reason = "email tests need Dovecot (apt-get install dovecot-imapd)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    # Not pytest's tmp_path: its parents are private to this user, and Dovecot's own users
    # (auth, the mail owner) must reach the passwd-files and the mail.
    root = Path(tempfile.mkdtemp(prefix="hotline-dovecot-"))
    server = Dovecot(root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def mailbox(dovecot: Dovecot) -> Mailbox:
    return dovecot.add_mailbox()


@pytest.fixture
def smtp(settings: object) -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"  # type: ignore[attr-defined]
    settings.EMAIL_HOST = "127.0.0.1"  # type: ignore[attr-defined]
    settings.EMAIL_PORT = sink.port  # type: ignore[attr-defined]
    settings.EMAIL_HOST_USER = ""  # type: ignore[attr-defined]
    settings.EMAIL_USE_TLS = False  # type: ignore[attr-defined]
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture
def no_acknowledgements(db: None) -> None:
    """The default policies acknowledge a non-urgent contact received out of hours: the email
    tests would then find an acknowledgement beside each message depending on the hour they run.
    Those that test it make a policy of their own."""
    from hotline.hours.models import SlaPolicy

    for policy in SlaPolicy.objects.filter(acknowledge=True):
        policy.acknowledge = False
        policy.save()  # save(), not update(): the per-process policies follow the signal
