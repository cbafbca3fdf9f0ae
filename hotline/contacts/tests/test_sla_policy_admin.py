"""Administrators edit SLA policies and service calendars with labelled fields, not JSON."""

import pytest
from django.urls import reverse

from hotline.hours.models import Calendar, SlaPolicy

pytestmark = pytest.mark.django_db


def test_the_sla_policy_form_offers_labelled_checkboxes_and_number_inputs(client_for) -> None:
    policy = SlaPolicy.objects.first()
    assert policy is not None
    html = (
        client_for("administrator")
        .get(reverse("admin:hours_slapolicy_change", args=[policy.pk]))
        .content.decode()
    )
    assert 'type="checkbox" name="request_types" value="crisis"' in html
    assert "Training &amp; technical assistance" in html
    assert 'type="checkbox" name="pause_statuses" value="awaiting_follow_up"' in html
    assert 'type="checkbox" name="channels" value="sms"' in html and "Text message" in html
    assert 'type="number" name="resolution_minutes"' in html
    assert "<textarea" not in html
    assert 'name="intake_status"' in html and "keep the contact&#x27;s status" in html


def test_an_administrator_saves_a_policy_from_ticked_boxes(client_for) -> None:
    calendar = Calendar.objects.first()
    assert calendar is not None
    response = client_for("administrator").post(
        reverse("admin:hours_slapolicy_add"),
        {
            "name": "Training requests",
            "position": "50",
            "active": "on",
            "urgency": "non_urgent",
            "request_types": ["tta", "general_info"],
            "received": "",
            "calendar": str(calendar.pk),
            "first_response_minutes": "240",
            "resolution_minutes": "2400",
            "warning_minutes": "60",
            "pause_statuses": ["awaiting_follow_up"],
            "channels": ["webform", "email"],
            "intake_status": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    policy = SlaPolicy.objects.get(name="Training requests")
    assert policy.request_types == ["general_info", "tta"]
    assert policy.channels == ["email", "webform"]
    assert policy.pause_statuses == ["awaiting_follow_up"]
    assert policy.resolution_minutes == 2400


def test_a_policy_with_an_unknown_request_type_is_refused_in_words(client_for) -> None:
    calendar = Calendar.objects.first()
    assert calendar is not None
    before = SlaPolicy.objects.count()
    response = client_for("administrator").post(
        reverse("admin:hours_slapolicy_add"),
        {
            "name": "Bad",
            "position": "50",
            "urgency": "",
            "request_types": ["no_such_type"],
            "calendar": str(calendar.pk),
            "resolution_minutes": "-5",
            "warning_minutes": "60",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Select a valid choice" in html
    assert SlaPolicy.objects.count() == before


def test_calendar_form_has_a_time_zone_list_and_time_inputs(client_for) -> None:
    calendar = Calendar.objects.exclude(always_open=True).first() or Calendar.objects.first()
    assert calendar is not None
    html = (
        client_for("administrator")
        .get(reverse("admin:hours_calendar_change", args=[calendar.pk]))
        .content.decode()
    )
    assert '<select name="time_zone"' in html
    assert '<option value="America/New_York"' in html
    assert 'type="time"' in html
