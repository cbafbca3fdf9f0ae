"""The seed's service hours (seed 004): urgent and crisis work 24/7; non-urgent work 9am-9pm
Eastern on weekdays except federal holidays; a non-urgent message taken after hours is answered
within 5 business days (5 x 12 open hours)."""

import datetime as dt

from django.db import migrations

BUSINESS_DAY_MINUTES = 12 * 60


def create_defaults(apps, schema_editor):
    Calendar = apps.get_model("hours", "Calendar")
    OpeningHours = apps.get_model("hours", "OpeningHours")
    SlaPolicy = apps.get_model("hours", "SlaPolicy")
    always, _ = Calendar.objects.get_or_create(
        name="24/7", defaults={"time_zone": "America/New_York", "always_open": True}
    )
    business, created = Calendar.objects.get_or_create(
        name="Business hours (Eastern)",
        defaults={"time_zone": "America/New_York", "holiday_country": "US"},
    )
    if created:
        OpeningHours.objects.bulk_create(
            OpeningHours(calendar=business, weekday=day, opens=dt.time(9), closes=dt.time(21))
            for day in range(5)
        )
    defaults = [
        dict(
            name="Crisis",
            position=10,
            request_types=["crisis"],
            calendar=always,
            first_response_minutes=5,
            resolution_minutes=24 * 60,
            warning_minutes=5,
        ),
        dict(
            name="Urgent",
            position=20,
            urgency="urgent",
            calendar=always,
            first_response_minutes=15,
            resolution_minutes=24 * 60,
            warning_minutes=15,
        ),
        dict(
            name="Non-urgent, received after hours",
            position=30,
            urgency="non_urgent",
            received="closed",
            calendar=business,
            first_response_minutes=None,
            resolution_minutes=5 * BUSINESS_DAY_MINUTES,
            warning_minutes=4 * 60,
            pause_statuses=["awaiting_follow_up"],
            intake_status="message_taken",
            acknowledge=True,
        ),
        dict(
            name="Non-urgent, business hours",
            position=40,
            urgency="non_urgent",
            calendar=business,
            first_response_minutes=60,
            resolution_minutes=2 * BUSINESS_DAY_MINUTES,
            warning_minutes=60,
            pause_statuses=["awaiting_follow_up"],
        ),
    ]
    for values in defaults:
        SlaPolicy.objects.get_or_create(name=values.pop("name"), defaults=values)


class Migration(migrations.Migration):
    dependencies = [("hours", "0001_service_calendars_and_sla_policies")]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
