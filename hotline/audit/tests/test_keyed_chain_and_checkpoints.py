"""The chain is keyed and checked against signed checkpoints kept outside the database: what
someone who can write to the database (but holds neither the key nor the checkpoint file)
cannot hide."""

import datetime as dt
import hashlib
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from hotline.audit import checkpoints
from hotline.audit.actions import record, verify
from hotline.audit.models import AuditEvent, ChainHead
from hotline.lib import sweep

pytestmark = pytest.mark.django_db


def write_events(n: int) -> list[AuditEvent]:
    return [record("test.event", object_type="test.thing", object_id=i) for i in range(n)]


def raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def rehash_from(seq: int, action: str) -> None:
    """What an attacker with database access does after an edit: recompute every later hash
    and the head, as the chain was computed before it was keyed (plain SHA-256)."""
    running = AuditEvent.objects.get(seq=seq - 1).hash if seq > 1 else "0" * 64
    for event in AuditEvent.objects.filter(seq__gte=seq).order_by("seq"):
        if event.seq == seq:
            event.action = action
        digest = hashlib.sha256(running.encode() + event.canonical()).hexdigest()
        raw(
            "UPDATE audit_auditevent SET action = %s, prev_hash = %s, hash = %s WHERE seq = %s",
            [event.action, running, digest, event.seq],
        )
        running = digest
    raw("UPDATE audit_chainhead SET hash = %s WHERE id = 1", [running])


def test_an_edit_rehashed_without_the_key_is_detected() -> None:
    write_events(5)
    rehash_from(3, "test.forged")
    verdict = verify()
    assert not verdict.ok and verdict.broken_seq == 3 and "changed" in verdict.reason


def test_the_same_chain_under_another_key_does_not_verify(settings) -> None:
    write_events(3)
    assert verify().ok
    settings.AUDIT_KEY = "another-key-of-at-least-thirty-two-characters"
    assert verify().broken_seq == 1


def test_cutting_the_newest_events_and_moving_the_head_back_is_detected() -> None:
    write_events(5)
    checkpoints.write()
    head = AuditEvent.objects.get(seq=3)
    raw("DELETE FROM audit_auditevent WHERE seq > %s", [3])
    raw("UPDATE audit_chainhead SET seq = %s, hash = %s WHERE id = 1", [3, head.hash])
    verdict = verify()
    assert not verdict.ok
    assert "recorded 5 events and the chain holds 3" in verdict.reason
    with pytest.raises(CommandError, match="events after #3 were cut") as error:
        call_command("verify_audit")
    assert error.value.returncode == 1


def test_a_chain_rewritten_after_a_checkpoint_is_detected_even_with_the_key() -> None:
    # Someone who also holds the key can rehash, but the checkpoint still names the old head.
    write_events(4)
    checkpoints.write()
    event = AuditEvent.objects.get(seq=4)
    event.action = "test.forged"
    raw(
        "UPDATE audit_auditevent SET action = %s, hash = %s WHERE seq = 4",
        ["test.forged", event.compute_hash()],
    )
    raw("UPDATE audit_chainhead SET hash = %s WHERE id = 1", [event.compute_hash()])
    verdict = verify()
    assert not verdict.ok and verdict.broken_seq == 4 and "rewritten" in verdict.reason


def test_later_events_after_a_checkpoint_verify() -> None:
    write_events(2)
    checkpoints.write()
    write_events(3)
    checkpoints.write()
    write_events(1)
    verdict = verify()
    assert verdict.ok and verdict.count == 6 and verdict.checkpoints == 2


def test_a_checkpoint_not_signed_with_the_key_is_reported() -> None:
    write_events(2)
    checkpoints.write()
    line = json.loads(checkpoints.path().read_text())
    line["count"] = 1  # moved back by someone without the key
    checkpoints.path().write_text(json.dumps(line) + "\n")
    verdict = verify()
    assert not verdict.ok and "not signed with this key" in verdict.reason


def test_the_command_writes_a_checkpoint_and_verify_reports_it(capsys) -> None:
    write_events(3)
    call_command("audit_checkpoint")
    assert "3 events" in capsys.readouterr().out
    (mark,) = list(checkpoints.read())
    assert (mark.count, mark.head) == (3, ChainHead.objects.get().hash)
    call_command("verify_audit")
    assert "consistent with 1 checkpoint (the latest of" in capsys.readouterr().out


def test_the_sweep_writes_a_checkpoint_every_hour(settings) -> None:
    settings.AUDIT_CHECKPOINT_MINUTES = 60
    write_events(1)
    now = timezone.now()
    job = "hotline.audit.checkpoints.write_when_due"
    assert sweep.run(now)[job] == 1
    assert sweep.run(now + dt.timedelta(minutes=59))[job] == 0
    assert sweep.run(now + dt.timedelta(minutes=61))[job] == 1
    assert len(list(checkpoints.read())) == 2


def test_the_key_and_checkpoints_never_reach_the_database(settings) -> None:
    write_events(2)
    checkpoints.write()
    with connection.cursor() as cursor:
        for model in [AuditEvent, ChainHead]:
            cursor.execute(f"SELECT * FROM {model._meta.db_table}")
            assert settings.AUDIT_KEY not in repr(cursor.fetchall())
    assert not str(checkpoints.path()).startswith(str(settings.DATABASES["default"]["NAME"]))


def test_a_checkpoint_of_another_chain_is_named_as_such() -> None:
    # Another database's checkpoint (a test run's, or a database replaced wholesale) in the
    # directory: a failure, named for what it is rather than as a cut.
    write_events(5)
    checkpoints.write()
    raw("DELETE FROM audit_auditevent", [])
    raw("DELETE FROM audit_chainhead", [])
    record("test.other_chain", object_type="test.thing", object_id=1)
    verdict = verify()
    assert not verdict.ok and "of another chain" in verdict.reason
