"""Django admin: the audit log (read only), and the one base class that audits every change
made in Django admin by any room."""

from typing import Any, TypeVar

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from hotline.audit.actions import record
from hotline.audit.models import AuditEvent

M = TypeVar("M", bound=models.Model)


class AuditedAdmin(admin.ModelAdmin[M]):
    """Every save and delete writes an audit event named `<app>.<model>_<create|update|delete>`
    with the names of the fields changed (never their values: some are personal)."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_related(
        self,
        request: HttpRequest,
        form: forms.ModelForm[M],
        formsets: list[forms.BaseModelFormSet[Any, Any]],
        change: bool,
    ) -> None:
        super().save_related(request, form, formsets, change)
        meta = form.instance._meta
        verb = "update" if change else "create"
        changed = set(form.changed_data)
        for formset in formsets:
            if formset.has_changed():
                changed.add(formset.prefix or "")
        record(
            f"{meta.app_label}.{meta.model_name}_{verb}",
            actor=request.user,
            obj=form.instance,
            detail={"fields": ",".join(sorted(changed))},
        )

    def delete_model(self, request: HttpRequest, obj: M) -> None:
        meta = obj._meta
        record(f"{meta.app_label}.{meta.model_name}_delete", actor=request.user, obj=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[M]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin[AuditEvent]):
    list_display = ["seq", "at", "actor", "action", "object_type", "object_id", "request_id"]
    list_filter = ["action", "object_type"]
    search_fields = ["=object_id", "=request_id", "action"]
    list_select_related = ["actor"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
