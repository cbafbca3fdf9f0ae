from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from hotline.audit.actions import record
from hotline.site.models import PublicSettings


@admin.register(PublicSettings)
class PublicSettingsAdmin(admin.ModelAdmin[PublicSettings]):
    """One row; administrators change it here or on the console's settings page."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(
        self, request: HttpRequest, obj: PublicSettings | None = None
    ) -> bool:
        return False

    def save_model(
        self,
        request: HttpRequest,
        obj: PublicSettings,
        form: forms.ModelForm[PublicSettings],
        change: bool,
    ) -> None:
        super().save_model(request, obj, form, change)
        record(
            "site.public_settings_update",
            actor=request.user,
            obj=obj,
            detail={"fields": ",".join(sorted(form.changed_data))},
        )
