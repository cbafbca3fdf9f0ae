"""Django's SQLite backend with a fair, prompt queue for writers.

SQLite lets one connection write at a time. A connection that finds the database locked sleeps
in SQLite's busy handler, in steps of 1, 2, 5, 10 ... up to 100 ms, and retries; under a steady
stream of writes from several processes most of the time goes to those sleeps (a write
transaction itself takes a few milliseconds). Here every transaction (they all begin IMMEDIATE,
so they all take the write lock) first takes an exclusive `flock` on a file beside the database
and holds it until the commit or rollback; a waiting writer retries every 0.05 to 0.5 ms, so it
starts soon after the lock is free. Writes in autocommit mode (outside `transaction.atomic`)
do not queue here and still rely on the busy timeout.
"""

import fcntl
import os
import time
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _write_lock: int | None = None  # a file descriptor, while this connection holds the lock
    _lock_path: str = ""

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        connection = super().get_new_connection(conn_params)
        if not self.is_in_memory_db():
            self._lock_path = f"{self.settings_dict['NAME']}.writelock"
        return connection

    def _start_transaction_under_autocommit(self) -> None:
        self._acquire_write_lock()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._release_write_lock()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._release_write_lock()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
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
            pause = min(pause * 2, 0.0005)
