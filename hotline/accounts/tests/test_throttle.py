import pytest
from django.test import Client
from django.urls import reverse

from conftest import PASSWORD, make_user
from hotline.accounts.models import Role
from hotline.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")


def attempt(username: str, password: str, address: str) -> int:
    client = Client(REMOTE_ADDR=address)
    return client.post(LOGIN, {"username": username, "password": password}).status_code


def test_repeated_failures_throttle_that_name_from_that_address(settings) -> None:
    settings.LOGIN_THROTTLE_ATTEMPTS = 3
    make_user(Role.SPECIALIST, "maria")
    for _ in range(3):
        assert attempt("maria", "wrong", "203.0.113.5") == 200
    # Even the right password is refused now, from that address.
    assert attempt("maria", PASSWORD, "203.0.113.5") == 429
    assert AuditEvent.objects.filter(action="auth.login_throttled").count() == 1


def test_an_attacker_cannot_lock_a_specialist_out_from_elsewhere(settings) -> None:
    settings.LOGIN_THROTTLE_ATTEMPTS = 3
    make_user(Role.SPECIALIST, "maria")
    for _ in range(10):
        attempt("maria", "wrong", "198.51.100.66")
    assert attempt("maria", PASSWORD, "203.0.113.5") == 302


def test_one_address_cannot_try_many_names(settings) -> None:
    settings.LOGIN_THROTTLE_ADDRESS_ATTEMPTS = 5
    make_user(Role.SPECIALIST, "maria")
    for n in range(5):
        attempt(f"guess{n}", "wrong", "198.51.100.66")
    assert attempt("maria", PASSWORD, "198.51.100.66") == 429
    assert attempt("maria", PASSWORD, "203.0.113.5") == 302


def test_success_clears_the_count_for_that_name_and_address(settings) -> None:
    settings.LOGIN_THROTTLE_ATTEMPTS = 3
    make_user(Role.SPECIALIST, "maria")
    for _ in range(2):
        attempt("maria", "wrong", "203.0.113.5")
    assert attempt("maria", PASSWORD, "203.0.113.5") == 302
    for _ in range(2):
        attempt("maria", "wrong", "203.0.113.5")
    assert attempt("maria", PASSWORD, "203.0.113.5") == 302


def test_the_cache_holds_neither_name_nor_address(settings) -> None:
    from django.db import connection

    make_user(Role.SPECIALIST, "maria")
    attempt("maria", "wrong", "203.0.113.5")
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key, value FROM hotline_cache")
        rows = cursor.fetchall()
    assert rows
    assert not any("maria" in str(row) or "203.0.113.5" in str(row) for row in rows)


@pytest.mark.django_db(transaction=True)
def test_wrong_passwords_sent_at_once_are_checked_at_most_the_limit(settings) -> None:
    import threading

    from django.contrib.auth.signals import user_login_failed
    from django.db import connections

    settings.LOGIN_THROTTLE_ATTEMPTS = 5
    make_user(Role.SPECIALIST, "maria")
    checked: list[str] = []
    lock = threading.Lock()

    def count(**kwargs: object) -> None:
        with lock:
            checked.append("x")

    user_login_failed.connect(count)
    start = threading.Barrier(30)
    answers: list[int] = []

    def one() -> None:
        try:
            start.wait()
            status = attempt("maria", "wrong", "203.0.113.5")
            with lock:
                answers.append(status)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=one) for _ in range(30)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        user_login_failed.disconnect(count)
    assert len(answers) == 30
    assert len(checked) <= 5, f"{len(checked)} of 30 passwords were checked"
    assert answers.count(429) >= 25
