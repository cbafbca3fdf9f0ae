from django.contrib import admin

from hotline.hours.models import Calendar, Holiday, OpeningHours, SlaPolicy


class OpeningHoursInline(admin.TabularInline[OpeningHours, Calendar]):
    model = OpeningHours
    extra = 0


class HolidayInline(admin.TabularInline[Holiday, Calendar]):
    model = Holiday
    extra = 0


@admin.register(Calendar)
class CalendarAdmin(admin.ModelAdmin[Calendar]):
    list_display = ["name", "time_zone", "always_open", "holiday_country"]
    inlines = [OpeningHoursInline, HolidayInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin[SlaPolicy]):
    list_display = [
        "position",
        "name",
        "active",
        "urgency",
        "received",
        "calendar",
        "first_response_minutes",
        "resolution_minutes",
    ]
    list_display_links = ["name"]
    ordering = ["position"]
