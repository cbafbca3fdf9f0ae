"""Django admin for administrators: resources, collections and vocabularies. Curators use the
console's library pages. Every change writes an audit event."""

from django.contrib import admin

from hotline.audit.admin import AuditedAdmin
from hotline.library.models import (
    Audience,
    Collection,
    CollectionItem,
    Language,
    Publisher,
    Resource,
    Topic,
)


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
