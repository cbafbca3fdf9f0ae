"""Signed checkpoints of the audit chain, kept outside the database.

The keyed chain (models.keyed_hash) stops someone who can write to the database from editing an
event and recomputing the hashes after it. It cannot stop them from cutting the newest events
and moving the chain head back: what is left is a valid, shorter chain. A checkpoint records
the chain's length and head hash at a moment, signed with the audit key, in a file outside the
database (settings.AUDIT_CHECKPOINT_DIR, one JSON line each, appended); `verify()` then finds a
chain shorter than a checkpoint (truncated) or whose event differs from it (rewritten).

`manage.py audit_checkpoint` appends one; the worker's sweep appends one every
AUDIT_CHECKPOINT_MINUTES (`write_when_due`). docs/audit.md says how to keep the file off the
machine.
"""

import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from hotline.audit.models import AuditEvent, ChainHead, keyed_hash

FILE_NAME = "checkpoints.jsonl"
# A checkpoint line is far shorter; the last one is found within this many bytes of the end.
TAIL_BYTES = 4096


class BadCheckpoint(Exception):
    """A line of the checkpoint file that is not a checkpoint signed with this key."""


@dataclass(frozen=True)
class Checkpoint:
    count: int  # events in the chain; the newest is number `count`
    head: str  # the newest event's hash
    at: dt.datetime
    # The first event's hash: which chain this is, so that a checkpoint of another database
    # (a test run's, a replaced one) is named as such, not mistaken for a cut.
    first: str = ""

    def fields(self) -> dict[str, str | int]:
        return {
            "count": self.count,
            "head": self.head,
            "at": self.at.isoformat(),
            "first": self.first,
        }

    def payload(self) -> bytes:
        return json.dumps(self.fields(), sort_keys=True, separators=(",", ":")).encode()

    def line(self) -> str:
        mac = keyed_hash(b"checkpoint:" + self.payload())
        return json.dumps({**self.fields(), "mac": mac}, sort_keys=True)

    @classmethod
    def parse(cls, line: str, number: int) -> "Checkpoint":
        try:
            data = json.loads(line)
            found = cls(
                int(data["count"]),
                str(data["head"]),
                dt.datetime.fromisoformat(data["at"]),
                str(data.get("first", "")),
            )
            mac = str(data["mac"])
        except (ValueError, KeyError, TypeError) as error:
            raise BadCheckpoint(
                f"line {number} of the checkpoint file is not a checkpoint"
            ) from error
        if keyed_hash(b"checkpoint:" + found.payload()) != mac:
            raise BadCheckpoint(f"line {number} of the checkpoint file is not signed with this key")
        return found


def path() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR) / FILE_NAME


def write(now: dt.datetime | None = None) -> Checkpoint:
    """Append a checkpoint of the chain as it is now."""
    head = ChainHead.objects.filter(pk=1).first() or ChainHead(seq=0)
    first = AuditEvent.objects.filter(seq=1).values_list("hash", flat=True).first() or ""
    checkpoint = Checkpoint(head.seq, head.hash, now or timezone.now(), first)
    folder = path().parent
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path(), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # two workers never interleave their lines
        os.write(fd, (checkpoint.line() + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return checkpoint


def read() -> Iterator[Checkpoint]:
    """Every checkpoint, oldest first, one line at a time (the file only grows)."""
    if not path().exists():
        return
    with path().open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                yield Checkpoint.parse(line, number)


def latest() -> Checkpoint | None:
    if not path().exists():
        return None
    with path().open("rb") as file:
        file.seek(0, os.SEEK_END)
        file.seek(max(0, file.tell() - TAIL_BYTES))
        lines = [line for line in file.read().decode("utf-8", "replace").splitlines() if line]
    return Checkpoint.parse(lines[-1], 0) if lines else None


def write_when_due(now: dt.datetime) -> int:
    """Sweep job: a checkpoint when the last one is AUDIT_CHECKPOINT_MINUTES old."""
    try:
        last = latest()
    except BadCheckpoint:
        last = None  # verify_audit reports the bad line; keep checkpointing meanwhile
    if last and now - last.at < dt.timedelta(minutes=settings.AUDIT_CHECKPOINT_MINUTES):
        return 0
    write(now)
    return 1
