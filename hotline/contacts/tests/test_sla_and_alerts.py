"""Reclassification re-computes deadlines at once; crisis alerts; breaches marked by the task."""

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from hotline.audit.models import AuditEvent
from hotline.contacts.actions import mark_breaches, receive, set_duty, set_status, update
from hotline.contacts.models import Contact, Notification, Status, Urgency
from hotline.contacts.tasks import check_deadlines, send_alert_email, sweep_deadlines
from hotline.contacts.tests.conftest import eastern

pytestmark = pytest.mark.django_db


def test_reclassifying_to_crisis_recomputes_the_deadline_at_once(personas) -> None:
    friday_night = eastern(2026, 3, 6, 22, 30)
    item = receive(Contact(channel="phone", received_at=friday_night, request_types=["referral"]))
    assert item.status == Status.MESSAGE_TAKEN
    assert item.resolution_due == eastern(2026, 3, 13, 21, 0)
    item.request_types = ["referral", "crisis"]
    update(item, ["request_types"], actor=personas["specialist"])
    item.refresh_from_db()
    assert item.urgency == Urgency.URGENT
    assert str(item.sla_policy) == "Crisis"
    assert item.resolution_due == friday_night + dt.timedelta(hours=24)
    assert item.status == Status.NEW  # no longer a message waiting for business hours
    assert AuditEvent.objects.filter(action="contact.triage").exists()
    assert Notification.objects.filter(contact=item, kind="crisis").count() == 1


def test_crisis_alerts_supervisors_on_duty_with_an_email_without_personal_data(
    personas,
) -> None:
    supervisor = personas["supervisor"]
    supervisor.email = "sup@example.org"
    supervisor.save()
    set_duty(supervisor, True)
    item = receive(
        Contact(
            channel="phone",
            request_types=["crisis"],
            narrative="Held at 12 Oak Road (fictional)",
            caller_phone="555-0100",
        )
    )
    assert Notification.objects.get(user=supervisor).contact == item
    assert item.crisis_alerted_at is not None
    queued = DBTaskResult.objects.filter(task_path__endswith="send_alert_email")
    assert queued.count() == 1
    send_alert_email.call(item.pk, "crisis", [supervisor.pk])
    (message,) = mail.outbox
    assert message.to == ["sup@example.org"]
    assert item.reference in message.body and item.reference in message.subject
    for secret in ["Oak Road", "555-0100"]:
        assert secret not in str(message.body) + str(message.subject)


def test_alerts_reach_every_supervisor_when_nobody_is_on_duty(personas) -> None:
    receive(Contact(channel="sms", request_types=["crisis"]))
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["supervisor"]


def deadline_checks() -> list[dt.datetime]:
    runs = DBTaskResult.objects.filter(task_path__endswith="sweep_deadlines")
    return sorted(runs.values_list("run_after", flat=True))


def window_end(due: dt.datetime | None) -> dt.datetime:
    """Just after the end of the 10-second window the deadline falls in."""
    assert due is not None
    seconds = -(-int(due.timestamp()) // 10) * 10
    return dt.datetime.fromtimestamp(seconds + 1, dt.UTC)


def test_a_check_is_queued_for_just_after_each_deadline() -> None:
    item = receive(Contact(channel="phone", urgency=Urgency.URGENT))
    assert deadline_checks() == [
        window_end(item.first_response_due),
        window_end(item.resolution_due),
    ]
    for check, due in zip(deadline_checks(), item.deadlines(), strict=True):
        assert due < check <= due + dt.timedelta(seconds=11)


def test_contacts_due_in_one_window_share_its_check(django_capture_on_commit_callbacks) -> None:
    received = timezone.now().replace(second=0, microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        first = receive(Contact(channel="phone", urgency=Urgency.URGENT, received_at=received))
    with django_capture_on_commit_callbacks(execute=True):
        receive(Contact(channel="sms", urgency=Urgency.URGENT, received_at=received))
    assert deadline_checks() == [window_end(d) for d in first.deadlines()]


def test_a_check_rolled_back_with_its_contact_is_queued_again() -> None:
    received = timezone.now().replace(second=0, microsecond=0)
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        receive(Contact(channel="phone", urgency=Urgency.URGENT, received_at=received))
        1 / 0
    assert deadline_checks() == []
    item = receive(Contact(channel="sms", urgency=Urgency.URGENT, received_at=received))
    assert deadline_checks() == [window_end(d) for d in item.deadlines()]


def test_a_deadline_in_a_window_that_is_over_is_checked_again(
    django_capture_on_commit_callbacks,
) -> None:
    long_ago = eastern(2020, 1, 1, 12)
    with django_capture_on_commit_callbacks(execute=True):
        first = receive(Contact(channel="phone", urgency=Urgency.URGENT, received_at=long_ago))
    receive(Contact(channel="sms", urgency=Urgency.URGENT, received_at=long_ago))
    # The first contact's checks may have run already: the second's are queued again.
    assert deadline_checks() == sorted(2 * [window_end(d) for d in first.deadlines()])


def test_a_moved_deadline_gets_a_check_of_its_own(personas) -> None:
    item = receive(Contact(channel="phone", urgency=Urgency.URGENT))
    item.request_types = ["crisis"]  # first response within 5 minutes, not 15
    update(item, ["request_types"], actor=personas["specialist"])
    item.refresh_from_db()
    assert window_end(item.first_response_due) in deadline_checks()


def test_breach_is_marked_once_and_alerts(personas) -> None:
    item = receive(
        Contact(channel="phone", urgency=Urgency.URGENT, received_at=eastern(2020, 1, 1, 12))
    )
    other = receive(Contact(channel="phone", urgency=Urgency.URGENT))
    assert sweep_deadlines.call() == 1
    assert sweep_deadlines.call() == 0
    item.refresh_from_db()
    assert item.breached_at is not None
    assert Notification.objects.filter(contact=item, kind="breach").count() == 1
    assert AuditEvent.objects.filter(action="contact.breach", object_id=str(item.pk)).count() == 1
    assert mark_breaches() == 0  # the other one is not late
    other.refresh_from_db()
    assert other.breached_at is None


def test_a_check_queued_by_an_earlier_version_marks_its_contact(personas) -> None:
    item = receive(
        Contact(channel="phone", urgency=Urgency.URGENT, received_at=eastern(2020, 1, 1, 12))
    )
    assert check_deadlines.call(item.pk) == 1
    assert check_deadlines.call(item.pk) == 0


def test_a_pause_status_stops_the_clock_and_resuming_moves_the_deadline(personas) -> None:
    tuesday = eastern(2026, 3, 10, 10, 0)
    item = receive(Contact(channel="email", received_at=tuesday, request_types=["tta"]))
    due = item.resolution_due
    set_status(item, Status.AWAITING_FOLLOW_UP, actor=personas["program_staff"])
    item.refresh_from_db()
    assert item.sla_paused_since is not None
    assert item.sla_state() == ""
    # Pretend the pause began two weeks ago: resuming adds that open time. Two weeks hold at
    # least five business days whatever today is (one week may hold only four: Thanksgiving).
    Contact.objects.filter(pk=item.pk).update(
        sla_paused_since=timezone.now() - dt.timedelta(days=14)
    )
    item.refresh_from_db()
    set_status(item, Status.IN_PROGRESS, actor=personas["program_staff"])
    item.refresh_from_db()
    assert item.sla_paused_since is None
    assert item.sla_paused_minutes >= 5 * 12 * 60
    assert item.resolution_due > due
