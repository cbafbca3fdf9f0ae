"""Service-hours policy as data: calendars (zone, weekly hours, holidays) and SLA policies that
say which contacts get which targets on which calendar. An administrator edits them."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.hours.business import Schedule


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Calendar(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="America/New_York")
    always_open = models.BooleanField(
        _("open 24/7"),
        default=False,
        help_text=_("Open every minute of every day, holidays included; weekly hours are ignored."),
    )
    holiday_country = models.CharField(
        _("public holidays of"),
        max_length=8,
        blank=True,
        help_text=_(
            "Country code whose public holidays close this calendar (US: federal holidays), "
            "or empty for none."
        ),
    )

    class Meta:
        verbose_name = _("service calendar")
        verbose_name_plural = _("service calendars")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationError({"time_zone": _("Not a known time zone.")}) from None
        if self.holiday_country:
            import holidays

            if self.holiday_country.upper() not in holidays.list_supported_countries():
                raise ValidationError({"holiday_country": _("Not a supported country code.")})
            self.holiday_country = self.holiday_country.upper()

    def schedule(self) -> Schedule:
        """The calendar as the business-time functions take it (three queries at most)."""
        weekly: list[list[tuple[int, int]]] = [[] for _ in range(7)]
        for opens, closes, weekday in self.hours.values_list("opens", "closes", "weekday"):
            weekly[weekday].append((_minutes(opens), _minutes(closes, end=True)))
        return Schedule(
            time_zone=self.time_zone,
            weekly=tuple(tuple(day) for day in weekly),
            holidays=frozenset(self.holidays.values_list("date", flat=True)),
            holiday_country=self.holiday_country,
            always_open=self.always_open,
        )


def _minutes(value: dt.time, end: bool = False) -> int:
    minutes = value.hour * 60 + value.minute
    # A closing time of 00:00 means midnight at the end of the day.
    return 24 * 60 if end and minutes == 0 else minutes


class OpeningHours(models.Model):
    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("day"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"), help_text=_("00:00 means midnight at the day's end."))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["calendar", "weekday", "opens"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    def clean(self) -> None:
        if _minutes(self.closes, end=True) <= _minutes(self.opens):
            raise ValidationError({"closes": _("Closing time must be after opening time.")})


class Holiday(models.Model):
    """A day the calendar is closed in addition to the country's public holidays."""

    calendar = models.ForeignKey(Calendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("holiday")
        verbose_name_plural = _("holidays")
        ordering = ["calendar", "date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="one_holiday_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}".strip()


class UrgencyMatch(models.TextChoices):
    ANY = "", _("any urgency")
    URGENT = "urgent", _("urgent")
    NON_URGENT = "non_urgent", _("non-urgent")


class ReceivedMatch(models.TextChoices):
    ANY = "", _("at any time")
    OPEN = "open", _("while the calendar is open")
    CLOSED = "closed", _("while the calendar is closed")


class SlaPolicyQuerySet(models.QuerySet["SlaPolicy"]):
    def active(self) -> "SlaPolicyQuerySet":
        return self.filter(active=True)


class SlaPolicy(models.Model):
    """Which contacts (urgency, request types, when received), on which calendar, with which
    targets. The first active policy in `position` order that matches a contact applies."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    position = models.PositiveIntegerField(_("position"), default=100)
    active = models.BooleanField(_("active"), default=True)
    urgency = models.CharField(
        _("urgency"), max_length=12, choices=UrgencyMatch.choices, blank=True
    )
    request_types = models.JSONField(
        _("request types"),
        default=list,
        blank=True,
        help_text=_("Codes; the policy matches a contact with any of them. Empty: any."),
    )
    received = models.CharField(
        _("received"), max_length=8, choices=ReceivedMatch.choices, blank=True
    )
    # The contacts room's channel codes (phone, sms, ...): hours sits below contacts and keeps
    # them as plain codes, as it does request types.
    channels = models.JSONField(
        _("channels"),
        default=list,
        blank=True,
        help_text=_("Codes; the policy matches a contact that came in by any of them. Empty: any."),
    )
    calendar = models.ForeignKey(Calendar, on_delete=models.PROTECT, related_name="policies")
    first_response_minutes = models.PositiveIntegerField(
        _("first response target (minutes)"),
        null=True,
        blank=True,
        help_text=_("Minutes of open time; empty when an automatic acknowledgement answers."),
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution target (minutes)"), help_text=_("Minutes of open time.")
    )
    warning_minutes = models.PositiveIntegerField(
        _("at risk within (minutes)"),
        default=60,
        help_text=_("A contact is shown at risk this many real minutes before a deadline."),
    )
    pause_statuses = models.JSONField(_("statuses that pause the clock"), default=list, blank=True)
    intake_status = models.CharField(
        _("status on intake"),
        max_length=20,
        blank=True,
        help_text=_("e.g. message_taken; empty keeps the contact's status."),
    )
    acknowledge = models.BooleanField(
        _("automatic acknowledgement"),
        default=False,
        help_text=_(
            "The sender is told at once that a message was taken and when to expect an answer."
        ),
    )

    objects = SlaPolicyQuerySet.as_manager()

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.request_types = sorted(set(self.request_types or []))
        self.pause_statuses = sorted(set(self.pause_statuses or []))
        self.channels = sorted(set(self.channels or []))
        super().save(*args, **kwargs)

    def matches(
        self, urgency: str, request_types: list[str], received_open: bool, channel: str = ""
    ) -> bool:
        """`channel` "" (unknown) matches only a policy that names no channel."""
        if self.urgency and self.urgency != urgency:
            return False
        if self.channels and channel not in self.channels:
            return False
        if self.request_types and not set(self.request_types) & set(request_types):
            return False
        if self.received == ReceivedMatch.OPEN and not received_open:
            return False
        return not (self.received == ReceivedMatch.CLOSED and received_open)
