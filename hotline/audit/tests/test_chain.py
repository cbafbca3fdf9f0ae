import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections

from hotline.audit.actions import record, verify
from hotline.audit.models import GENESIS_HASH, AppendOnlyError, AuditEvent


def write_events(n: int = 5) -> list[AuditEvent]:
    return [record("test.event", object_type="test.thing", object_id=i) for i in range(n)]


def raw(sql: str, params: list) -> None:
    # What someone with direct database access could do: no model code in the way.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.mark.django_db
def test_events_form_a_chain() -> None:
    events = write_events(3)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert verify().ok and verify().count == 3


@pytest.mark.django_db
def test_verify_audit_command_passes_on_an_intact_chain(capsys: pytest.CaptureFixture) -> None:
    write_events(4)
    call_command("verify_audit")
    assert "intact: 4 events" in capsys.readouterr().out


@pytest.mark.django_db
@pytest.mark.parametrize(
    "column,value",
    [
        ("action", "test.other"),
        ("object_type", "test.other"),
        ("object_id", "99"),
        ("request_id", "x"),
        ("detail", '{"role": "administrator"}'),
    ],
)
def test_editing_any_field_is_detected(column: str, value: object) -> None:
    write_events(5)
    raw(f"UPDATE audit_auditevent SET {column} = %s WHERE seq = 3", [value])
    verdict = verify()
    assert not verdict.ok and verdict.broken_seq == 3 and "changed" in verdict.reason


@pytest.mark.django_db
def test_editing_the_time_is_detected() -> None:
    write_events(5)
    raw("UPDATE audit_auditevent SET at = %s WHERE seq = 2", ["2020-01-01 00:00:00"])
    assert verify().broken_seq == 2


@pytest.mark.django_db
def test_rewriting_an_event_with_a_fresh_hash_breaks_the_next_link() -> None:
    events = write_events(5)
    forged = AuditEvent.objects.get(seq=3)
    forged.action = "test.forged"
    raw(
        "UPDATE audit_auditevent SET action = %s, hash = %s WHERE seq = 3",
        ["test.forged", forged.compute_hash()],
    )
    verdict = verify()
    assert not verdict.ok and verdict.broken_seq == 4, events


@pytest.mark.django_db
def test_deleting_an_event_in_the_middle_is_detected() -> None:
    write_events(5)
    raw("DELETE FROM audit_auditevent WHERE seq = %s", [2])
    verdict = verify()
    assert not verdict.ok and verdict.broken_seq == 2 and "missing" in verdict.reason


@pytest.mark.django_db
def test_deleting_the_newest_event_is_detected() -> None:
    write_events(5)
    raw("DELETE FROM audit_auditevent WHERE seq = %s", [5])
    verdict = verify()
    assert not verdict.ok and verdict.broken_seq == 5


@pytest.mark.django_db
def test_deleting_an_event_and_renumbering_is_detected() -> None:
    write_events(5)
    raw("DELETE FROM audit_auditevent WHERE seq = %s", [3])
    raw("UPDATE audit_auditevent SET seq = seq - 1 WHERE seq > %s", [3])
    assert verify().broken_seq == 3


@pytest.mark.django_db
def test_reordering_two_events_is_detected() -> None:
    write_events(5)
    raw("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [1000, 2])
    raw("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [2, 3])
    raw("UPDATE audit_auditevent SET seq = %s WHERE seq = %s", [3, 1000])
    verdict = verify()
    assert not verdict.ok and verdict.broken_seq == 2


@pytest.mark.django_db
def test_verify_audit_command_names_the_broken_link_and_exits_1() -> None:
    write_events(5)
    raw("UPDATE audit_auditevent SET action = %s WHERE seq = 4", ["test.other"])
    with pytest.raises(CommandError) as error:
        call_command("verify_audit")
    assert error.value.returncode == 1
    assert "event #4" in str(error.value)


@pytest.mark.django_db
def test_events_cannot_be_changed_or_deleted_through_the_orm() -> None:
    event = write_events(1)[0]
    event.action = "test.other"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().action == "test.event"


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_never_fork_the_chain() -> None:
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(15):
                record("test.concurrent", object_type="test.thread", object_id=f"{n}-{i}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(AuditEvent.objects.values_list("seq", flat=True)) == list(range(1, 61))
    assert verify().ok


@pytest.mark.django_db
def test_the_chain_starts_on_a_database_without_a_head_row() -> None:
    from hotline.audit.models import ChainHead

    ChainHead.objects.all().delete()
    assert verify().ok
    events = write_events(2)
    assert events[0].seq == 1 and events[0].prev_hash == GENESIS_HASH
    assert verify().ok
