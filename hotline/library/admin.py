"""Django admin for administrators: resources, collections and vocabularies. Curators use the
console's library pages. Every change writes an audit event."""

from typing import Any, TypeVar

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from hotline.audit.actions import record
from hotline.library.models import (
    Audience,
    Collection,
    CollectionItem,
    Language,
    Publisher,
    Resource,
    Topic,
)

M = TypeVar("M", bound=models.Model)


class AuditedAdmin(admin.ModelAdmin[M]):
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_related(
        self,
        request: HttpRequest,
        form: forms.ModelForm[M],
        formsets: list[forms.BaseModelFormSet[Any, Any]],
        change: bool,
    ) -> None:
        super().save_related(request, form, formsets, change)
        verb = "update" if change else "create"
        record(
            f"library.{form.instance._meta.model_name}_{verb}",
            actor=request.user,
            obj=form.instance,
            detail={"fields": ",".join(sorted(form.changed_data))},
        )

    def delete_model(self, request: HttpRequest, obj: M) -> None:
        record(f"library.{obj._meta.model_name}_delete", actor=request.user, obj=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[M]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Resource)
class ResourceAdmin(AuditedAdmin[Resource]):
    list_display = ["title", "resource_type", "publisher", "is_published"]
    list_filter = ["is_published", "resource_type", "audiences", "topics"]
    search_fields = ["title", "summary", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["audiences", "topics", "languages"]


class CollectionItemInline(admin.TabularInline[CollectionItem, Collection]):
    model = CollectionItem
    autocomplete_fields = ["resource"]
    extra = 1


@admin.register(Collection)
class CollectionAdmin(AuditedAdmin[Collection]):
    list_display = ["title", "publisher"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [CollectionItemInline]


@admin.register(Publisher)
class PublisherAdmin(AuditedAdmin[Publisher]):
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Audience, Topic, Language)
class TermAdmin(AuditedAdmin[Audience | Topic | Language]):
    list_display = ["code", "name", "position"]
    list_editable = ["position"]
