"""The SLA policies each process keeps: a change is seen by the next contact, not 30 s later."""

import datetime as dt

import pytest

from hotline.contacts.actions import receive
from hotline.contacts.models import Contact, Urgency
from hotline.hours.models import Holiday, SlaPolicy
from hotline.hours.policy import active_policies

pytestmark = pytest.mark.django_db


def urgent_policy() -> SlaPolicy:
    contact = receive(Contact(channel="phone", urgency=Urgency.URGENT))
    assert contact.sla_policy is not None
    return contact.sla_policy


def test_the_policies_are_read_once_and_reused(django_assert_num_queries) -> None:
    active_policies()
    with django_assert_num_queries(0):
        active_policies()


def test_a_changed_target_applies_to_the_next_contact_at_once() -> None:
    policy = urgent_policy()
    policy = SlaPolicy.objects.get(pk=policy.pk)
    policy.resolution_minutes += 60
    policy.save()
    contact = receive(Contact(channel="phone", urgency=Urgency.URGENT))
    assert contact.sla_policy is not None
    assert contact.sla_policy.resolution_minutes == policy.resolution_minutes


def test_a_deactivated_policy_and_a_new_holiday_are_seen_at_once() -> None:
    policy = urgent_policy()
    calendar = policy.calendar
    before = len(active_policies())
    Holiday.objects.create(calendar=calendar, date=dt.date(2031, 1, 2), name="Closed")
    schedules = [p.calendar._schedule for p in active_policies()]  # type: ignore[attr-defined]
    assert any(dt.date(2031, 1, 2) in schedule.holidays for schedule in schedules)
    policy.active = False
    policy.save(update_fields=["active"])
    assert len(active_policies()) == before - 1
