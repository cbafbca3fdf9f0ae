"""Django's SQLite backend with a fair, prompt queue for writers, who do not wait for each
other's disk flushes or checkpoints.

SQLite lets one connection write at a time. A connection that finds the database locked sleeps
in SQLite's busy handler, in steps of 1, 2, 5, 10 ... up to 100 ms, and retries; under a steady
stream of writes from several processes most of the time goes to those sleeps (a write
transaction itself takes a few milliseconds). Here every transaction (they all begin IMMEDIATE,
so they all take the write lock) first takes an exclusive `flock` on a file beside the database
and holds it until the commit or rollback; a waiting writer retries every 0.05 to 0.1 ms, so it
starts soon after the lock is free. Writes in autocommit mode (outside `transaction.atomic`)
do not queue here and still rely on the busy timeout.

In WAL mode, synchronous=FULL is synchronous=NORMAL plus a sync of the WAL file after each
commit (SQLite's documentation), made while the write lock is still held: every writer waited
for the one before it to reach the disk. Here a transaction runs at NORMAL and its commit
flushes the WAL file itself once the lock is let go, and returns only then, so a commit is on
disk when it returns, as with FULL; meanwhile the next writer goes ahead. Between the two, for
the length of the flush, another connection may read what is not yet on disk; whatever it
writes lands after it in the WAL, so it never reaches the disk without it
(docs/decisions/0002-sqlite-commit-flush.md). Autocommit writes keep the configured FULL.

SQLite also copies the WAL into the database (a checkpoint) inside the commit that passes 1,000
pages, again holding every writer back. Here a connection checkpoints when a request ends, after
its response went out, once it has committed CHECKPOINT_EVERY times (`checkpoint()`).
"""

import fcntl
import logging
import os
import time
from typing import Any

from django.db import DatabaseError, OperationalError
from django.db.backends.sqlite3 import base

logger = logging.getLogger(__name__)

NORMAL, FULL = 1, 2  # PRAGMA synchronous levels
# Commits of one connection after which it checkpoints at the end of the request. A contact
# received writes about 15 pages: about the 1,000 after which SQLite itself would.
CHECKPOINT_EVERY = 50


class DatabaseWrapper(base.DatabaseWrapper):
    _write_lock: int | None = None  # a file descriptor, while this connection holds the lock
    _lock_path: str = ""
    _wal_path: str = ""  # set in WAL mode
    _full = False  # synchronous=FULL configured: transactions run at NORMAL and flush at commit
    _lowered = False  # synchronous is NORMAL for the transaction under way
    _commits = 0
    # hotline.lib.db.non_durable_atomic clears it for one transaction.
    flush_commits = True

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        if not self.is_in_memory_db():
            name = self.settings_dict["NAME"]
            self._lock_path = f"{name}.writelock"
            (mode,) = connection.execute("PRAGMA journal_mode").fetchone()
            (level,) = connection.execute("PRAGMA synchronous").fetchone()
            self._wal_path = f"{name}-wal" if mode == "wal" else ""
            self._full, self._lowered, self._commits = level == FULL, False, 0
            if self._wal_path:
                connection.execute("PRAGMA wal_autocheckpoint = 0")  # see checkpoint()
        return connection

    def _start_transaction_under_autocommit(self) -> None:
        self._acquire_write_lock()
        try:
            if self._wal_path and self._full and not self._lowered:  # only between transactions
                self.connection.execute(f"PRAGMA synchronous = {NORMAL}")
                self._lowered = True
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._end_transaction(committed=False)
            raise

    def _commit(self) -> None:
        committed = False
        try:
            super()._commit()  # type: ignore[misc]
            committed = True
        finally:
            self._end_transaction(committed)

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._end_transaction(committed=False)

    def _end_transaction(self, committed: bool) -> None:
        """Let the next writer go, then put this commit on disk before it returns."""
        self._release_write_lock()
        if self.connection is None or self.connection.in_transaction:
            return  # a commit that failed is still open: its rollback comes here again
        if self._lowered:
            self.connection.execute(f"PRAGMA synchronous = {FULL}")
            self._lowered = False
            if committed and self.flush_commits:
                fd = os.open(self._wal_path, os.O_RDONLY)
                try:
                    os.fdatasync(fd)
                finally:
                    os.close(fd)
        if committed and self._wal_path:
            self._commits += 1
            if self._commits >= 4 * CHECKPOINT_EVERY:  # no request ended meanwhile: a command
                try:
                    self.checkpoint()
                except DatabaseError:  # the commit stands; the next checkpoint copies it
                    logger.warning("WAL checkpoint failed", exc_info=True)

    def close_if_unusable_or_obsolete(self) -> None:
        """Called as each request starts and ends, and between a worker's tasks
        (django.db.close_old_connections): a checkpoint that is due runs here, after the
        response was sent."""
        super().close_if_unusable_or_obsolete()
        due = self._commits >= CHECKPOINT_EVERY and not self.in_atomic_block
        if due and self.connection is not None:
            self.checkpoint()

    def checkpoint(self) -> None:
        """Copy the WAL into the database, as SQLite itself does every 1,000 pages or so, but
        not inside a commit, where it held every other writer back for milliseconds.

        Most of it is copied while others write; then what they wrote meanwhile, with the write
        lock held. Only a checkpoint that copied everything lets the next writer start the WAL
        file over: one that writers keep outrunning leaves it growing without end.
        """
        self._commits = 0
        self.connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        self._acquire_write_lock()
        try:
            self.connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            self._release_write_lock()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._release_write_lock()

    def _acquire_write_lock(self) -> None:
        if not self._lock_path or self._write_lock is not None:
            return
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        timeout = float(self.settings_dict["OPTIONS"].get("timeout", 5))
        try:
            _flock(fd, timeout)
        except BaseException:
            os.close(fd)
            raise
        self._write_lock = fd

    def _release_write_lock(self) -> None:
        fd, self._write_lock = self._write_lock, None
        if fd is not None:
            os.close(fd)  # closing the descriptor releases its flock


def _flock(fd: int, timeout: float) -> None:
    """Take an exclusive lock on fd, waiting at most `timeout` seconds, then raise the error
    SQLite itself would: the database is locked."""
    deadline = time.monotonic() + timeout
    pause = 0.00005
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise OperationalError("database is locked") from None
            time.sleep(pause)
            pause = min(pause * 2, 0.0001)
