"""The durability settings, read back from live connections: a misplaced OPTIONS key would be
ignored without a word."""

import sqlite3

import pytest
from django.db import connection, transaction

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
