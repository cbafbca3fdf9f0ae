"""Staff full-text search of contact narratives, ranked (SQLite FTS5 / PostgreSQL full-text, in
hotline/lib/fulltext.py). Signals keep the index in step with every save and delete; callers
filter the ids through `Contact.objects.visible_to`."""

from collections.abc import Iterable

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from hotline.contacts.models import Contact
from hotline.lib.fulltext import TextIndex

NARRATIVES = TextIndex("contacts_narrative")


def index(contact_ids: Iterable[int]) -> None:
    """(Re)index these contacts; ids of contacts that no longer exist are removed."""
    ids = sorted(set(contact_ids))
    rows = list(Contact.objects.filter(pk__in=ids).values_list("pk", "narrative"))
    NARRATIVES.unindex(set(ids) - {pk for pk, _text in rows})
    NARRATIVES.index(rows)


def search(text: str, *, limit: int = 50) -> list[int]:
    """Ids of the contacts whose narrative matches `text`, best first."""
    return NARRATIVES.search(text, limit=limit)


@receiver(post_save, sender=Contact, dispatch_uid="contacts_narrative_index")
def _saved(sender: type[Contact], instance: Contact, **kwargs: object) -> None:
    if kwargs.get("created") and not (instance.narrative or "").strip():
        return  # a new contact is in no index yet, and an empty text is left out of it
    update_fields = kwargs.get("update_fields")
    if update_fields is None or "narrative" in update_fields:  # type: ignore[operator]
        NARRATIVES.index([(instance.pk, instance.narrative)])


@receiver(post_delete, sender=Contact, dispatch_uid="contacts_narrative_unindex")
def _deleted(sender: type[Contact], instance: Contact, **kwargs: object) -> None:
    NARRATIVES.unindex([instance.pk])
