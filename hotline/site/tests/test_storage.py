"""The durability settings, read back from live connections: a misplaced OPTIONS key would be
ignored without a word."""

import sqlite3

import pytest
from django.db import OperationalError, connection, transaction

sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite settings")


def pragma(name: str) -> object:
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


@sqlite_only
@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_full_sync_busy_timeout_and_foreign_keys() -> None:
    assert pragma("journal_mode") == "wal"
    assert pragma("synchronous") == 2  # FULL
    assert pragma("busy_timeout") == 20000
    assert pragma("foreign_keys") == 1


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_sqlite_transactions_take_the_write_lock_at_once() -> None:
    # With transaction_mode=IMMEDIATE, BEGIN itself takes the write lock: another writer
    # waits instead of both reading, then one failing mid-transaction.
    other = sqlite3.connect(connection.settings_dict["NAME"], timeout=0)
    try:
        with transaction.atomic():
            connection.cursor().execute("SELECT 1")  # nothing written yet
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")
        other.rollback()
    finally:
        other.close()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL settings")
@pytest.mark.django_db
def test_postgresql_is_version_15_or_later_through_psycopg_3() -> None:
    import psycopg

    assert connection.pg_version >= 150000  # type: ignore[attr-defined]
    assert isinstance(connection.connection, psycopg.Connection)


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_sqlite_writers_queue_on_the_lock_file_and_go_when_it_is_free() -> None:
    import threading

    from django.db import connections

    from hotline.contacts.models import ReferenceCounter

    order: list[str] = []
    holding, done = threading.Event(), threading.Event()

    def second_writer() -> None:
        holding.wait()
        try:
            with transaction.atomic():  # waits for the first writer's commit
                order.append("second began")
                ReferenceCounter.objects.create(year=2002)
        finally:
            connections.close_all()
            done.set()

    thread = threading.Thread(target=second_writer)
    thread.start()
    with transaction.atomic():
        ReferenceCounter.objects.create(year=2001)
        assert lock_file_is_taken()
        holding.set()
        assert not done.wait(0.3)  # still queued behind this transaction
        order.append("first committing")
    thread.join(10)
    assert not lock_file_is_taken()
    assert order == ["first committing", "second began"]
    assert set(ReferenceCounter.objects.values_list("year", flat=True)) == {2001, 2002}


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_sqlite_lock_is_let_go_on_rollback_and_a_waiter_gives_up_after_the_timeout() -> None:
    import fcntl
    import os

    from hotline.lib.sqlite.base import _flock

    with pytest.raises(ZeroDivisionError), transaction.atomic():
        assert lock_file_is_taken()
        1 / 0
    fd = os.open(lock_path(), os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free again
        other = os.open(lock_path(), os.O_RDWR)
        try:
            with pytest.raises(OperationalError, match="locked"):
                _flock(other, timeout=0.05)
        finally:
            os.close(other)
    finally:
        os.close(fd)


@pytest.mark.django_db(transaction=True)
def test_a_non_durable_transaction_commits_and_leaves_the_next_one_durable() -> None:
    from hotline.contacts.models import ReferenceCounter
    from hotline.lib.db import non_durable_atomic

    with non_durable_atomic():
        ReferenceCounter.objects.create(year=2001)
        if connection.vendor == "postgresql":
            assert setting("synchronous_commit") == "off"
        else:
            assert pragma("synchronous") == 1  # NORMAL
    assert ReferenceCounter.objects.filter(year=2001).exists()
    if connection.vendor == "postgresql":
        assert setting("synchronous_commit") == "on"
    else:
        assert pragma("synchronous") == 2  # FULL again
    with pytest.raises(RuntimeError), transaction.atomic(), non_durable_atomic():
        pass  # inside another transaction it would change that one's commit


def lock_path() -> str:
    return f"{connection.settings_dict['NAME']}.writelock"


def lock_file_is_taken() -> bool:
    import fcntl
    import os

    fd = os.open(lock_path(), os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]
