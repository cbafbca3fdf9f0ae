"""Writes to the library: the seed loader and curators' changes, each with its audit event."""

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django import forms
from django.db import transaction
from django.utils.functional import Promise

from hotline.accounts.models import User
from hotline.audit.actions import record
from hotline.library.models import (
    LANGUAGE_NAMES,
    Audience,
    AudienceCode,
    Collection,
    CollectionItem,
    Format,
    Language,
    Publisher,
    Resource,
    ResourceType,
    Term,
    Topic,
    TopicCode,
)

SEED_FILE = Path(__file__).resolve().parent / "seed" / "library.toml"


class SeedError(ValueError):
    """A seed library entry that cannot be loaded."""


@dataclass(frozen=True)
class SeedResult:
    created: int
    updated: int
    collections: int


def ensure_vocabulary() -> None:
    """The built-in audiences, topics and languages, in their order; existing rows are kept."""
    vocabularies: list[tuple[type[Term], Sequence[tuple[str, str | Promise]]]] = [
        (Audience, AudienceCode.choices),
        (Topic, TopicCode.choices),
        (Language, list(LANGUAGE_NAMES.items())),
    ]
    for model, choices in vocabularies:
        for position, (code, label) in enumerate(choices):
            with_english_name = {"name": str(label), "position": position * 10}
            model.objects.get_or_create(code=code, defaults=with_english_name)


def _codes(rows: list[Any], known: set[str], what: str, slug: str) -> list[str]:
    unknown = set(rows) - known
    if unknown:
        raise SeedError(f"{slug}: unknown {what} {sorted(unknown)}")
    return rows


@transaction.atomic
def load_seed(
    path: Path = SEED_FILE, *, update: bool = False, actor: User | None = None
) -> SeedResult:
    """Load the hand-curated seed library. Resources already present (by slug) are left as
    curators made them unless `update` is set. All or nothing: a bad entry changes nothing."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    ensure_vocabulary()
    audiences = {a.code: a for a in Audience.objects.all()}
    topics = {t.code: t for t in Topic.objects.all()}
    languages = {lang.code: lang for lang in Language.objects.all()}
    publishers = {}
    for entry in data.get("publisher", []):
        publisher, _ = Publisher.objects.get_or_create(
            slug=entry["slug"], defaults={"name": entry["name"]}
        )
        publishers[publisher.slug] = publisher

    created = updated = 0
    resources: dict[str, Resource] = {}
    for entry in data.get("resource", []):
        slug = entry["slug"]
        if entry["type"] not in ResourceType.values:
            raise SeedError(f"{slug}: unknown type {entry['type']!r}")
        if entry.get("format", "") not in ["", *Format.values]:
            raise SeedError(f"{slug}: unknown format {entry['format']!r}")
        if entry.get("publisher") and entry["publisher"] not in publishers:
            raise SeedError(f"{slug}: unknown publisher {entry['publisher']!r}")
        if not entry.get("audiences"):
            raise SeedError(f"{slug}: a resource serves at least one audience")
        audience_codes = _codes(entry["audiences"], set(audiences), "audiences", slug)
        topic_codes = _codes(entry.get("topics", []), set(topics), "topics", slug)
        language_codes = _codes(entry.get("languages", ["en"]), set(languages), "languages", slug)
        resource = Resource.objects.filter(slug=slug).first()
        if resource is not None and not update:
            resources[slug] = resource
            continue
        if resource is None:
            resource, created = Resource(slug=slug), created + 1
        else:
            updated += 1
        resource.title = entry["title"]
        resource.summary = entry.get("summary", "")
        resource.publisher = publishers.get(entry.get("publisher", ""))
        resource.resource_type = entry["type"]
        resource.format = entry.get("format", "")
        resource.url = entry.get("url", "")
        resource.full_clean(exclude=["file"])
        resource.save()
        resource.audiences.set([audiences[c] for c in audience_codes])
        resource.topics.set([topics[c] for c in topic_codes])
        resource.languages.set([languages[c] for c in language_codes])
        resources[slug] = resource

    for entry in data.get("collection", []):
        collection, _ = Collection.objects.update_or_create(
            slug=entry["slug"],
            defaults={
                "title": entry["title"],
                "summary": entry.get("summary", ""),
                "publisher": publishers.get(entry.get("publisher", "")),
            },
        )
        for position, slug in enumerate(entry["items"]):
            if slug not in resources:
                raise SeedError(f"collection {collection.slug}: unknown resource {slug!r}")
            CollectionItem.objects.update_or_create(
                collection=collection,
                resource=resources[slug],
                defaults={"position": position},
            )

    result = SeedResult(created, updated, len(data.get("collection", [])))
    record(
        "library.seed_load",
        actor=actor,
        detail={"created": result.created, "updated": result.updated},
    )
    return result


def changed_fields(form: forms.BaseForm) -> str:
    return ",".join(sorted(form.changed_data))


@transaction.atomic
def save_resource(form: forms.ModelForm[Resource], *, actor: User) -> Resource:
    """Save a curator's resource form (new or changed) with its audit event."""
    is_new = form.instance.pk is None
    resource: Resource = form.save()
    record(
        "library.resource_create" if is_new else "library.resource_update",
        actor=actor,
        obj=resource,
        detail={"fields": changed_fields(form)},
    )
    return resource


@transaction.atomic
def delete_resource(resource: Resource, *, actor: User) -> None:
    record("library.resource_delete", actor=actor, obj=resource)
    resource.delete()
