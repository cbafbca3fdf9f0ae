from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.utils.translation import gettext_lazy as _

from hotline.hours.models import Calendar, Holiday, OpeningHours

# The browser's own time and date pickers (no admin JavaScript needed).
TIME_AND_DATE_INPUTS: dict[type[models.Field[Any, Any]], dict[str, Any]] = {
    models.TimeField: {"widget": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")},
    models.DateField: {"widget": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")},
}


class OpeningHoursInline(admin.TabularInline[OpeningHours, Calendar]):
    model = OpeningHours
    extra = 0
    formfield_overrides = TIME_AND_DATE_INPUTS


class HolidayInline(admin.TabularInline[Holiday, Calendar]):
    model = Holiday
    extra = 0
    formfield_overrides = TIME_AND_DATE_INPUTS


def time_zone_choices() -> list[tuple[str, str]]:
    from zoneinfo import available_timezones

    return [(name, name.replace("_", " ")) for name in sorted(available_timezones())]


class CalendarForm(forms.ModelForm[Calendar]):
    time_zone = forms.ChoiceField(label=_("time zone"), choices=time_zone_choices)

    class Meta:
        model = Calendar
        fields = ["name", "time_zone", "always_open", "holiday_country"]


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin[Calendar]):
    form = CalendarForm
    list_display = ["name", "time_zone", "always_open", "holiday_country"]
    inlines = [OpeningHoursInline, HolidayInline]


# The SLA policy's admin is in contacts/admin.py: its form offers the contacts' request types and
# statuses, which this lower room does not import.
