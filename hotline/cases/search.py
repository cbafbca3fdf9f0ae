"""Staff full-text search of case summaries, ranked (SQLite FTS5 / PostgreSQL full-text, in
hotline/lib/fulltext.py). Signals keep the index in step with every save and delete; callers
filter the ids through `Case.objects.visible_to`."""

from collections.abc import Iterable

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from hotline.cases.models import Case
from hotline.lib.fulltext import TextIndex

SUMMARIES = TextIndex("cases_summary")


def index(case_ids: Iterable[int]) -> None:
    """(Re)index these cases; ids of cases that no longer exist are removed."""
    ids = sorted(set(case_ids))
    rows = list(Case.objects.filter(pk__in=ids).values_list("pk", "summary"))
    SUMMARIES.unindex(set(ids) - {pk for pk, _text in rows})
    SUMMARIES.index(rows)


def search(text: str, *, limit: int = 50) -> list[int]:
    """Ids of the cases whose summary matches `text`, best first."""
    return SUMMARIES.search(text, limit=limit)


@receiver(post_save, sender=Case, dispatch_uid="cases_summary_index")
def _saved(sender: type[Case], instance: Case, **kwargs: object) -> None:
    update_fields = kwargs.get("update_fields")
    if update_fields is None or "summary" in update_fields:  # type: ignore[operator]
        SUMMARIES.index([(instance.pk, instance.summary)])


@receiver(post_delete, sender=Case, dispatch_uid="cases_summary_unindex")
def _deleted(sender: type[Case], instance: Case, **kwargs: object) -> None:
    SUMMARIES.unindex([instance.pk])
