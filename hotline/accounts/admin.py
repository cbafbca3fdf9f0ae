from django import forms
from django.contrib import admin
from django.contrib.auth.models import Group
from django.http import HttpRequest

from hotline.accounts.models import Agency, User
from hotline.audit.actions import record

# Roles, not groups, carry permissions here.
admin.site.unregister(Group)


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin[Agency]):
    search_fields = ["name"]


@admin.register(User)
class StaffAdmin(admin.ModelAdmin[User]):
    """Accounts are created on the console's staff page, which issues invite links; nobody sets
    another person's password, and accounts are deactivated rather than deleted."""

    list_display = ["username", "first_name", "last_name", "role", "agency", "is_active"]
    list_filter = ["role", "is_active", "agency"]
    search_fields = ["username", "first_name", "last_name"]
    fields = ["username", "first_name", "last_name", "email", "role", "agency", "is_active"]
    readonly_fields = ["username"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: User | None = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: User, form: forms.ModelForm[User], change: bool
    ) -> None:
        old_role = User.objects.filter(pk=obj.pk).values_list("role", flat=True).first()
        super().save_model(request, obj, form, change)
        if old_role != obj.role:
            record(
                "staff.role_change",
                actor=request.user,
                obj=obj,
                detail={"from": old_role, "to": obj.role},
            )
        record(
            "staff.update",
            actor=request.user,
            obj=obj,
            detail={"fields": ",".join(form.changed_data)},
        )
