from django.contrib import admin
from django.http import HttpRequest

from hotline.cases.models import AgencyLink, ReportingPolicy


@admin.register(ReportingPolicy)
class ReportingPolicyAdmin(admin.ModelAdmin[ReportingPolicy]):
    list_display = [
        "__str__",
        "require_approval_with_consent",
        "allow_minor_exception",
        "allow_imminent_danger_exception",
        "max_consent_age_days",
        "share_code_word",
        "share_safe_times",
        "updated_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # One policy: the gate reads the row with id 1.
        return not ReportingPolicy.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(
        self, request: HttpRequest, obj: ReportingPolicy | None = None
    ) -> bool:
        return False


@admin.register(AgencyLink)
class AgencyLinkAdmin(admin.ModelAdmin[AgencyLink]):
    list_display = ["agency", "organization"]
    raw_id_fields = ["organization"]
