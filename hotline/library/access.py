"""Access helpers: how a view gets a resource, a collection or an audience. Each returns the
object or raises Http404. The public sees published resources only; curators (the views check
`library.manage`) reach any resource by its id."""

from django.http import Http404

from hotline.library.models import Audience, Collection, Resource


def get_published_resource(slug: str) -> Resource:
    """A published resource for its public page, with what the page shows of it."""
    found = (
        Resource.objects.published()
        .select_related("publisher")
        .prefetch_related("audiences", "topics", "languages", "collections")
        .filter(slug=slug)
        .first()
    )
    if found is None:
        raise Http404
    return found


def get_published_resource_by_id(resource_id: int) -> Resource:
    """A published resource, as staff share it with a caller."""
    found = Resource.objects.published().filter(pk=resource_id).first()
    if found is None:
        raise Http404
    return found


def get_resource_for_curator(resource_id: int) -> Resource:
    """Any resource, published or not, for the curators' console."""
    found = Resource.objects.filter(pk=resource_id).first()
    if found is None:
        raise Http404
    return found


def get_collection(slug: str) -> Collection:
    found = Collection.objects.select_related("publisher").filter(slug=slug).first()
    if found is None:
        raise Http404
    return found


def get_audience(slug: str) -> Audience:
    """An audience by the slug of its address (`first-responders` for `first_responders`)."""
    found = Audience.objects.filter(code=slug.replace("-", "_")).first()
    if found is None or "_" in slug:
        raise Http404
    return found
