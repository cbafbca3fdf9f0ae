"""Transactions that need less than the default guarantees."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def non_durable_atomic() -> Iterator[None]:
    """A transaction whose commit does not wait for the disk (no fsync).

    For records that are worthless without a later, durable transaction of the same request, such
    as an idempotency lease. A crash of the process never loses the commit; a power cut may lose
    it, and with it nothing that was acknowledged: every later durable commit flushes it too
    (SQLite's WAL and PostgreSQL's log are written in order). Outermost only, like
    `atomic(durable=True)`; inside a test case's transaction that one's commit decides.
    """
    if connection.in_atomic_block:
        with transaction.atomic(durable=True):  # raises unless the outer block is a test case's
            yield
    elif connection.vendor == "sqlite":
        # The level can only change between transactions.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA synchronous")
            (level,) = cursor.fetchone()
            cursor.execute("PRAGMA synchronous = NORMAL")
        try:
            with transaction.atomic(durable=True):
                yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA synchronous = {int(level)}")
    else:
        with transaction.atomic(durable=True):
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            yield
