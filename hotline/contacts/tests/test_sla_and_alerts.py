"""Reclassification re-computes deadlines at once; crisis alerts; breaches marked by the task."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from hotline.audit.models import AuditEvent
from hotline.contacts.actions import mark_breaches, receive, set_duty, set_status, update
from hotline.contacts.models import Contact, Notification, Status, Urgency
from hotline.contacts.tasks import check_deadlines, send_alert_email
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


def deadline_checks() -> list[tuple[dt.datetime, list]]:
    runs = DBTaskResult.objects.filter(task_path__endswith="check_deadlines").order_by("run_after")
    return [(r.run_after, r.args_kwargs["args"]) for r in runs]


def checks_of(item: Contact, *dues: dt.datetime) -> list[tuple[dt.datetime, list]]:
    return [(due + dt.timedelta(seconds=1), [item.pk, due.isoformat()]) for due in dues]


def urgent_contact() -> tuple[Contact, dt.datetime, dt.datetime]:
    item = receive(Contact(channel="phone", urgency=Urgency.URGENT))
    first, resolution = item.first_response_due, item.resolution_due
    assert first is not None and resolution is not None and first < resolution
    return item, first, resolution


def test_one_check_is_queued_for_just_after_the_earliest_deadline() -> None:
    item, first, _ = urgent_contact()
    assert deadline_checks() == checks_of(item, first)


def test_each_check_queues_the_next_deadlines_and_the_last_queues_none() -> None:
    item, first, resolution = urgent_contact()
    check_deadlines.call(item.pk, first.isoformat())
    assert deadline_checks() == checks_of(item, first, resolution)
    check_deadlines.call(item.pk, resolution.isoformat())
    assert deadline_checks() == checks_of(item, first, resolution)


def test_a_check_of_a_deadline_that_moved_ends_its_chain(personas) -> None:
    item, old_first, _ = urgent_contact()
    item.request_types = ["crisis"]  # first response within 5 minutes, not 15
    update(item, ["request_types"], actor=personas["specialist"])
    item.refresh_from_db()
    new_first = item.first_response_due
    assert new_first is not None and new_first < old_first
    check_deadlines.call(item.pk, old_first.isoformat())
    assert deadline_checks() == checks_of(item, new_first, old_first)


def test_a_closed_contacts_chain_ends(personas) -> None:
    item, first, _ = urgent_contact()
    set_status(item, Status.CLOSED, actor=personas["specialist"])
    check_deadlines.call(item.pk, first.isoformat())
    assert deadline_checks() == checks_of(item, first)


def test_breach_is_marked_once_and_alerts(personas) -> None:
    item = receive(
        Contact(channel="phone", urgency=Urgency.URGENT, received_at=eastern(2020, 1, 1, 12))
    )
    other = receive(Contact(channel="phone", urgency=Urgency.URGENT))
    assert check_deadlines.call(item.pk) == 1
    assert check_deadlines.call(item.pk) == 0
    item.refresh_from_db()
    assert item.breached_at is not None
    assert Notification.objects.filter(contact=item, kind="breach").count() == 1
    assert AuditEvent.objects.filter(action="contact.breach", object_id=str(item.pk)).count() == 1
    assert mark_breaches() == 0  # the other one is not late
    other.refresh_from_db()
    assert other.breached_at is None


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
