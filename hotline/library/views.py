from collections.abc import Sequence
from typing import cast

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from hotline.accounts.access import AuthenticatedHttpRequest, public, require_perm
from hotline.library import search
from hotline.library.access import get_collection, get_published_resource, get_resource_for_curator
from hotline.library.actions import delete_resource, save_resource
from hotline.library.forms import LibraryFilterForm, ResourceForm
from hotline.library.models import Resource

PAGE_SIZE = 20
SEARCH_LIMIT = 500  # the best 500 matches are enough to page through


def ranked_page(ids: Sequence[int], number: str | None) -> tuple[Page[int], list[Resource]]:
    """One page of resources in the order of `ids` (a search ranking, or a query of ids)."""
    page = Paginator(ids, PAGE_SIZE).get_page(number)
    by_id = Resource.objects.for_listing().in_bulk(list(page.object_list))
    return page, [by_id[i] for i in page.object_list if i in by_id]


@public
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    """The library: full-text search (ranked) and filters by audience, type, topic, publisher
    and language. A GET form, so that a result page can be bookmarked and shared."""
    form = LibraryFilterForm(request.GET or None)
    resources = Resource.objects.published()
    query, filtered = "", False
    if form.is_bound and form.is_valid():
        resources = form.filter(resources)
        query = form.cleaned_data["q"].strip()
        filtered = any(value for name, value in form.cleaned_data.items() if name != "q")
    ids: Sequence[int]
    if query:
        ids = search.search(query, limit=SEARCH_LIMIT)  # published only, best first
        if filtered:
            allowed = set(resources.filter(pk__in=ids).values_list("pk", flat=True))
            ids = [pk for pk in ids if pk in allowed]
    else:  # counted and sliced by the database, not loaded whole
        ids = cast(
            Sequence[int], resources.order_by("title", "pk").values_list("pk", flat=True).distinct()
        )
    page, items = ranked_page(ids, request.GET.get("page"))
    return render(
        request,
        "library/index.html",
        {
            "form": form,
            "options": form.options(),
            "query": query,
            "filtered": filtered,
            "page": page,
            "resources": items,
            "count": page.paginator.count,
            "capped": bool(query) and page.paginator.count == SEARCH_LIMIT,
        },
    )


@public
@require_safe
def resource(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "library/resource.html", {"resource": get_published_resource(slug)})


@public
@require_safe
def resource_file(request: HttpRequest, slug: str) -> HttpResponse:
    found = get_published_resource(slug)
    if not found.file:
        raise Http404
    # A streaming response; `public` is typed for plain ones.
    return cast(HttpResponse, FileResponse(found.file.open("rb"), as_attachment=True))


@public
@require_safe
def collection(request: HttpRequest, slug: str) -> HttpResponse:
    found = get_collection(slug)
    items = [
        item.resource
        for item in found.items.select_related("resource__publisher").filter(
            resource__is_published=True
        )
    ]
    return render(request, "library/collection.html", {"collection": found, "items": items})


# --- Console: curators keep the library ---------------------------------------------------------


@require_perm("library.manage")
def manage(request: AuthenticatedHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    resources = Resource.objects.select_related("publisher")
    if query:
        ranked = search.search(query, published_only=False)
        by_id = resources.in_bulk(ranked)
        items = [by_id[pk] for pk in ranked if pk in by_id]
    else:
        items = list(resources.order_by("title", "pk"))
    return render(request, "library/manage_list.html", {"resources": items, "query": query})


@require_perm("library.manage")
def manage_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ResourceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        created = save_resource(form, actor=request.user)
        messages.success(request, _("The resource was added."))
        return redirect("library:manage_edit", resource_id=created.pk)
    return render(request, "library/manage_form.html", {"form": form})


@require_perm("library.manage")
def manage_edit(request: AuthenticatedHttpRequest, resource_id: int) -> HttpResponse:
    found = get_resource_for_curator(resource_id)
    form = ResourceForm(request.POST or None, request.FILES or None, instance=found)
    if request.method == "POST" and form.is_valid():
        save_resource(form, actor=request.user)
        messages.success(request, _("The resource was saved."))
        return redirect("library:manage_edit", resource_id=found.pk)
    return render(request, "library/manage_form.html", {"form": form, "resource": found})


@require_POST
@require_perm("library.manage")
def manage_delete(request: AuthenticatedHttpRequest, resource_id: int) -> HttpResponse:
    found = get_resource_for_curator(resource_id)
    delete_resource(found, actor=request.user)
    messages.success(request, _("The resource was deleted."))
    return redirect("library:manage")
