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
@pytest.mark.django_db(transaction=True)
def test_sqlite_runs_in_wal_mode_with_full_sync_busy_timeout_and_foreign_keys() -> None:
    assert pragma("journal_mode") == "wal"
    assert pragma("synchronous") == 2  # FULL, outside a transaction
    assert pragma("busy_timeout") == 20000
    assert pragma("foreign_keys") == 1


@pytest.fixture
def flushes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool, bool]]:
    """Each fdatasync: the file, whether the write lock was still held, and whether the
    commit was already visible to another connection."""
    import os

    from hotline.contacts.models import ReferenceCounter

    seen: list[tuple[str, bool, bool]] = []
    real = os.fdatasync

    def spy(fd: int) -> None:
        other = sqlite3.connect(connection.settings_dict["NAME"])
        try:
            visible = bool(
                other.execute(f"SELECT count(*) FROM {ReferenceCounter._meta.db_table}").fetchone()[
                    0
                ]
            )
        finally:
            other.close()
        seen.append((os.readlink(f"/proc/self/fd/{fd}"), lock_file_is_taken(), visible))
        real(fd)

    monkeypatch.setattr(os, "fdatasync", spy)
    return seen


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_sqlite_commit_flushes_the_wal_after_letting_the_next_writer_go(flushes) -> None:
    from hotline.contacts.models import ReferenceCounter

    with transaction.atomic():
        ReferenceCounter.objects.create(year=2001)
        assert pragma("synchronous") == 1  # NORMAL: no flush while the lock is held
        assert flushes == []
    wal = f"{connection.settings_dict['NAME']}-wal"
    assert flushes == [(wal, False, True)]  # on disk before atomic() returned
    assert pragma("synchronous") == 2  # FULL again for autocommit writes
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        ReferenceCounter.objects.create(year=2002)
        1 / 0
    assert len(flushes) == 1  # nothing to flush after a rollback
    assert pragma("synchronous") == 2


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_sqlite_commit_that_fails_is_rolled_back_and_restores_full_sync(flushes) -> None:
    from django.db import IntegrityError

    from hotline.contacts.models import Contact

    # A foreign key is checked at the commit: COMMIT fails and leaves the transaction open.
    with pytest.raises(IntegrityError), transaction.atomic():
        Contact.objects.create(reference="HT-1", sla_policy_id=999999)
    assert not Contact.objects.exists()
    assert flushes == []
    assert pragma("synchronous") == 2
    assert not lock_file_is_taken()


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


def count_checkpoints(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    from hotline.lib.sqlite.base import DatabaseWrapper

    checkpoints: list[int] = []
    real = DatabaseWrapper.checkpoint

    def spy(self: DatabaseWrapper) -> None:
        checkpoints.append(1)
        real(self)

    monkeypatch.setattr(DatabaseWrapper, "checkpoint", spy)
    return checkpoints


def wal_frames() -> int:
    """Frames in the WAL file, as another connection's checkpoint reports them."""
    other = sqlite3.connect(connection.settings_dict["NAME"])
    try:
        return other.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1]
    finally:
        other.close()


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_sqlite_checkpoints_when_a_request_ends_not_inside_a_commit(monkeypatch) -> None:
    from django.db import close_old_connections

    from hotline.contacts.models import ReferenceCounter
    from hotline.lib.sqlite.base import CHECKPOINT_EVERY

    checkpoints = count_checkpoints(monkeypatch)
    assert pragma("wal_autocheckpoint") == 0  # SQLite would do it inside a commit
    for year in range(CHECKPOINT_EVERY):
        with transaction.atomic():
            ReferenceCounter.objects.create(year=3000 + year)
    assert checkpoints == []
    close_old_connections()  # as each request ends
    assert checkpoints == [1]
    with transaction.atomic():
        ReferenceCounter.objects.create(year=2999)
    assert wal_frames() < 10  # everything was copied, so the WAL file started over
    close_old_connections()
    assert checkpoints == [1]  # not due again yet


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_sqlite_checkpoints_in_a_process_without_requests(monkeypatch) -> None:
    from hotline.contacts.models import ReferenceCounter
    from hotline.lib.sqlite.base import CHECKPOINT_EVERY

    checkpoints = count_checkpoints(monkeypatch)
    for year in range(4 * CHECKPOINT_EVERY):
        with transaction.atomic():
            ReferenceCounter.objects.create(year=3000 + year)
    assert checkpoints == [1]


@pytest.mark.django_db(transaction=True)
def test_a_non_durable_transaction_commits_and_leaves_the_next_one_durable(flushes) -> None:
    from hotline.contacts.models import ReferenceCounter
    from hotline.lib.db import non_durable_atomic

    with non_durable_atomic():
        ReferenceCounter.objects.create(year=2001)
        if connection.vendor == "postgresql":
            assert setting("synchronous_commit") == "off"
    assert ReferenceCounter.objects.filter(year=2001).exists()
    if connection.vendor == "postgresql":
        assert setting("synchronous_commit") == "on"
    else:
        assert flushes == []  # committed without a flush
        with transaction.atomic():
            ReferenceCounter.objects.create(year=2002)
        assert len(flushes) == 1  # the next one flushes
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
