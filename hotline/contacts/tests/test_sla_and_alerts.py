"""Reclassification re-computes deadlines at once; crisis alerts; breaches, at-risk warnings and
crisis re-alerts marked by the sweep."""

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from conftest import send_queued_emails
from hotline.audit.models import AuditEvent
from hotline.contacts.actions import claim, receive, set_duty, set_status, update
from hotline.contacts.alerts import mark_breaches, realert_crisis, warn_at_risk
from hotline.contacts.models import Contact, Notification, Status, Urgency
from hotline.contacts.tests.conftest import eastern
from hotline.lib import sweep

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
    personas, django_capture_on_commit_callbacks
) -> None:
    supervisor = personas["supervisor"]
    supervisor.email = "sup@example.org"
    supervisor.save()
    set_duty(supervisor, True)
    with django_capture_on_commit_callbacks(execute=True):
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
    # The task holds ids and a code only; the worker reads the reference when it sends.
    (queued,) = DBTaskResult.objects.filter(task_path="hotline.lib.emails.deliver")
    assert queued.args_kwargs["args"] == [
        "hotline.contacts.emails.alert",
        [item.pk, "crisis", [supervisor.pk]],
    ]
    assert send_queued_emails() == 1
    (message,) = mail.outbox
    assert message.to == ["sup@example.org"]
    assert message.subject == f"Crisis contact waiting: {item.reference}"
    link = "http://127.0.0.1:8000/console/contacts/"
    assert (
        message.body
        == f"A crisis contact is waiting: {item.reference}.\n\nOpen the queue: {link}\n"
    )
    for secret in ["Oak Road", "555-0100"]:
        assert secret not in str(message.body) + str(message.subject)


def test_alerts_reach_every_supervisor_when_nobody_is_on_duty(personas) -> None:
    receive(Contact(channel="sms", request_types=["crisis"]))
    assert list(Notification.objects.values_list("user__username", flat=True)) == ["supervisor"]


def test_breach_is_marked_once_and_alerts(personas) -> None:
    item = receive(
        Contact(channel="phone", urgency=Urgency.URGENT, received_at=eastern(2020, 1, 1, 12))
    )
    other = receive(Contact(channel="phone", urgency=Urgency.URGENT))
    now = timezone.now()
    assert sweep.run(now)["hotline.contacts.alerts.mark_breaches"] == 1
    assert mark_breaches(now) == 0
    item.refresh_from_db()
    assert item.breached_at == now
    assert Notification.objects.filter(contact=item, kind="breach").count() == 1
    assert AuditEvent.objects.filter(action="contact.breach", object_id=str(item.pk)).count() == 1
    other.refresh_from_db()
    assert other.breached_at is None


def test_a_deadline_moved_later_is_not_marked(personas) -> None:
    received = timezone.now() - dt.timedelta(minutes=10)
    item = receive(Contact(channel="phone", request_types=["crisis"], received_at=received))
    assert item.first_response_due
    assert item.first_response_due < timezone.now()  # crisis: first response within 5 minutes
    claim(item, actor=personas["specialist"])  # answered: the resolution, in 24 h, is next
    assert mark_breaches(timezone.now()) == 0


def test_a_sweep_marks_nothing_of_a_paused_or_closed_contact(personas) -> None:
    long_ago = eastern(2020, 1, 1, 12)
    paused = receive(Contact(channel="phone", urgency=Urgency.URGENT, received_at=long_ago))
    closed = receive(Contact(channel="sms", urgency=Urgency.URGENT, received_at=long_ago))
    Contact.objects.filter(pk=paused.pk).update(sla_paused_since=timezone.now())
    set_status(closed, Status.CLOSED, actor=personas["specialist"])
    assert mark_breaches(timezone.now()) == 0


def test_the_assignee_is_warned_once_when_a_deadline_is_near(personas) -> None:
    specialist = personas["specialist"]
    # Urgent work: first response within 15 minutes, at risk in its last 10 (the policy's
    # warning time).
    received = timezone.now() - dt.timedelta(minutes=10)
    item = receive(Contact(channel="phone", urgency=Urgency.URGENT, received_at=received))
    Contact.objects.filter(pk=item.pk).update(assigned_to=specialist)
    assert item.sla_state() == "at_risk"
    now = timezone.now()
    assert warn_at_risk(now) == 1
    assert warn_at_risk(now) == 0  # once per deadline
    (note,) = Notification.objects.filter(contact=item)
    assert (note.user, note.kind) == (specialist, "at_risk")
    item.refresh_from_db()
    assert item.warned_for == item.first_response_due


def test_an_unclaimed_contact_near_its_deadline_warns_the_supervisors(personas) -> None:
    received = timezone.now() - dt.timedelta(minutes=10)
    item = receive(Contact(channel="phone", urgency=Urgency.URGENT, received_at=received))
    assert warn_at_risk(timezone.now()) == 1
    assert Notification.objects.get(contact=item).user == personas["supervisor"]


def test_a_crisis_nobody_claimed_is_alerted_again(personas, settings) -> None:
    settings.CRISIS_REALERT_MINUTES = 5
    item = receive(Contact(channel="sms", request_types=["crisis"]))
    assert realert_crisis(timezone.now()) == 0  # alerted just now
    later = timezone.now() + dt.timedelta(minutes=6)
    assert realert_crisis(later) == 1
    assert realert_crisis(later) == 0
    assert Notification.objects.filter(contact=item, kind="crisis").count() == 2
    claim(item, actor=personas["specialist"])
    assert realert_crisis(later + dt.timedelta(minutes=6)) == 0


def test_a_failing_job_does_not_stop_the_others(personas, settings, caplog) -> None:
    settings.SWEEP_JOBS = [
        "hotline.contacts.tests.test_sla_and_alerts.broken",
        *settings.SWEEP_JOBS,
    ]
    sweep.jobs.cache_clear()
    try:
        receive(
            Contact(channel="phone", urgency=Urgency.URGENT, received_at=eastern(2020, 1, 1, 12))
        )
        done = sweep.run()
    finally:
        sweep.jobs.cache_clear()
    assert "hotline.contacts.tests.test_sla_and_alerts.broken" not in done
    assert done["hotline.contacts.alerts.mark_breaches"] == 1
    assert "sweep job hotline.contacts.tests.test_sla_and_alerts.broken failed" in caplog.text


def broken(now: dt.datetime) -> int:
    raise RuntimeError("broken job")


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
