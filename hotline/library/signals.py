"""Keep the search index in step with every save, delete and topic or audience change. (The
filter lists follow the library by themselves: forms.FILTER_LISTS.)"""

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from hotline.library import search
from hotline.library.models import Audience, Publisher, Resource, Topic


@receiver(post_save, sender=Resource)
def resource_saved(sender: Any, instance: Resource, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        search.index([instance.pk])


@receiver(post_delete, sender=Resource)
def resource_deleted(sender: Any, instance: Resource, **kwargs: Any) -> None:
    search.unindex([instance.pk])


@receiver(m2m_changed, sender=Resource.topics.through)
@receiver(m2m_changed, sender=Resource.audiences.through)
def terms_changed(
    sender: Any,
    instance: Any,
    action: str,
    reverse: bool,
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    if action not in {"post_add", "post_remove", "post_clear", "pre_clear"}:
        return
    if not reverse:
        if action != "pre_clear":
            search.index([instance.pk])
    elif action == "pre_clear":
        # The resources are only known before the clear.
        instance._library_reindex = list(instance.resources.values_list("pk", flat=True))
    elif action == "post_clear":
        search.index(getattr(instance, "_library_reindex", []))
    else:
        search.index(pk_set or [])


@receiver(post_save, sender=Topic)
@receiver(post_save, sender=Audience)
@receiver(post_save, sender=Publisher)
def name_changed(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        search.index(instance.resources.values_list("pk", flat=True))


@receiver(pre_delete, sender=Topic)
@receiver(pre_delete, sender=Audience)
def term_deleting(sender: Any, instance: Any, **kwargs: Any) -> None:
    instance._library_reindex = list(instance.resources.values_list("pk", flat=True))


@receiver(post_delete, sender=Topic)
@receiver(post_delete, sender=Audience)
def term_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    search.index(getattr(instance, "_library_reindex", []))
