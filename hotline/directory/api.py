"""The HSDS 3.0 API (read-only, public data only): listed organizations, and never a
confidential location, its address or anything tied to it."""

import datetime as dt
import json
import math
from collections.abc import Callable, Iterator, Sequence
from itertools import islice
from typing import Any, Literal
from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.dateparse import parse_datetime
from ninja import Router
from ninja.errors import HttpError
from ninja.params.functions import Query  # the function itself: `ninja.Query` types as a generic

from hotline.directory import geo, hsds
from hotline.directory.box import Box
from hotline.directory.exporter import Graph, Scope
from hotline.directory.hsds import TABLE
from hotline.directory.models import (
    Attribute,
    Organization,
    SearchEntry,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)

router = Router()
SPEC = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
MAX_PER_PAGE = 500
MAX_PAGE = 1_000_000  # far past any directory's last page, and an offset every database takes
NDJSON_CHUNK = 200
Json = dict[str, Any]
Format = Literal["json", "ndjson"]
# The paging parameters: out of range is a 422, as any other malformed parameter.
PAGE = Query(1, ge=1, le=MAX_PAGE)
PER_PAGE = Query(50, ge=1, le=MAX_PER_PAGE)
Render = Callable[[list[Any]], list[Json]]


def _doc(schema: str, many: bool = False) -> dict[str, Any]:
    """The operation's response in the OpenAPI document: the HSDS schema it follows."""
    ref = {"$ref": f"{SPEC}{schema}.json"}
    body: dict[str, Any] = (
        {
            "type": "object",
            "properties": {
                "total_items": {"type": "integer"},
                "total_pages": {"type": "integer"},
                "page_number": {"type": "integer"},
                "size": {"type": "integer"},
                "first_page": {"type": "boolean"},
                "last_page": {"type": "boolean"},
                "empty": {"type": "boolean"},
                "contents": {"type": "array", "items": ref},
            },
        }
        if many
        else ref
    )
    return {
        "responses": {200: {"description": "OK", "content": {"application/json": {"schema": body}}}}
    }


def _page(ids: QuerySet[Any] | Sequence[Any], page: int, per_page: int) -> tuple[list[Any], Json]:
    total = ids.count() if isinstance(ids, QuerySet) else len(ids)
    pages = max(1, math.ceil(total / per_page))
    items = list(ids[(page - 1) * per_page : page * per_page])
    return items, {
        "total_items": total,
        "total_pages": pages,
        "page_number": page,
        "size": len(items),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": total == 0,
    }


def _respond(
    ids: QuerySet[Any] | Sequence[Any], render: Render, page: int, per_page: int, fmt: Format
) -> Json | HttpResponseBase:
    """A page of the rendered items, or with format=ndjson every item, one JSON object a
    line, without paging (as the HSDS OpenAPI describes it)."""
    if fmt == "ndjson":
        stream = _ndjson(ids, render)
        return StreamingHttpResponse(stream, content_type="application/x-ndjson")
    items, meta = _page(ids, page, per_page)
    return {**meta, "contents": render(items)}


def _ndjson(ids: QuerySet[Any] | Sequence[Any], render: Render) -> Iterator[str]:
    every = ids.iterator(chunk_size=2000) if isinstance(ids, QuerySet) else iter(ids)
    while chunk := list(islice(every, NDJSON_CHUNK)):
        for item in render(chunk):
            yield json.dumps(item, ensure_ascii=False) + "\n"


def _uuid(value: str) -> UUID:
    """A path's id: one that is not a UUID names nothing (404)."""
    try:
        return UUID(value)
    except ValueError:
        raise Http404 from None


def _moment(value: str) -> dt.datetime | None:
    """`modified_after`: an ISO 8601 date-time (UTC when it names no offset), else a 422."""
    if not value:
        return None
    moment = parse_datetime(value)
    if moment is None:
        try:
            moment = dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
        except ValueError:
            raise HttpError(422, "modified_after must be an ISO 8601 date-time") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _with_terms(term_id: UUID | None, taxonomy_id: UUID | None) -> Q | None:
    """Attributes of a taxonomy term, or of any term of a taxonomy (None: no filter)."""
    query = Q()
    if term_id:
        query &= Q(taxonomy_term_id=term_id)
    if taxonomy_id:
        query &= Q(taxonomy_term__taxonomy_detail_id=taxonomy_id)
    return query or None


def _confidential_locations() -> QuerySet[Any]:
    return Attribute.objects.confidential_location_ids()


def _public_services() -> QuerySet[Service]:
    return Service.objects.filter(organization__listing_status="listed")


def _values(table: str) -> list[str]:
    return [spec.attname for spec in TABLE[table].fields]


def _flat_page(
    table: str, queryset: QuerySet[Any], page: int, per_page: int, fmt: Format
) -> Json | HttpResponseBase:
    """An HSDS page of a table whose objects have no nested parts (taxonomies, terms)."""

    def render(rows: list[Any]) -> list[Json]:
        return [hsds.row_of(TABLE[table], row) for row in rows]

    return _respond(queryset.values(*_values(table)), render, page, per_page, fmt)


def _flat_one(table: str, queryset: QuerySet[Any]) -> Json:
    row = queryset.values(*_values(table)).first()
    if row is None:
        raise Http404
    return hsds.row_of(TABLE[table], row)


def _rows(table: str, queryset: QuerySet[Any]) -> list[Json]:
    return [hsds.row_of(TABLE[table], values) for values in queryset.values(*_values(table))]


@router.get("/", url_name="hsds-root", response=dict[str, Any])
def hsds_root(request: HttpRequest) -> Json:
    return {
        "version": hsds.HSDS_VERSION,
        "profile": "https://docs.openreferral.org/en/latest/hsds/",
        "openapi_url": request.build_absolute_uri("/api/openapi.json"),
    }


@router.get(
    "/services",
    url_name="hsds-services",
    response=dict[str, Any],
    openapi_extra=_doc("compiled/service_list", many=True),
)
def services(
    request: HttpRequest,
    page: int = PAGE,
    per_page: int = PER_PAGE,
    search: str = "",
    taxonomy_term_id: UUID | None = None,
    taxonomy_id: UUID | None = None,
    organization_id: UUID | None = None,
    modified_after: str = "",
    minimal: bool = False,
    full: bool = False,
    format: Format = "json",
) -> Json | HttpResponseBase:
    """`minimal`: each service as only its `id` and `last_modified`."""
    queryset = _public_services().order_by("name", "id")
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(description__icontains=search))
    terms = _with_terms(taxonomy_term_id, taxonomy_id)
    if terms is not None:
        queryset = queryset.filter(id__in=Attribute.objects.filter(terms).values("link_id"))
    if organization_id:
        queryset = queryset.filter(organization_id=organization_id)
    moment = _moment(modified_after)
    if moment is not None:
        queryset = queryset.filter(last_modified__gte=moment)
    if minimal:
        return _respond(
            queryset.values_list("id", "last_modified"), _minimal, page, per_page, format
        )
    render = _full_services if full else _services
    return _respond(queryset.values_list("id", "organization_id"), render, page, per_page, format)


def _minimal(items: list[Any]) -> list[Json]:
    return [
        {"id": str(pk), **({"last_modified": moment.isoformat()} if moment else {})}
        for pk, moment in items
    ]


def _full_services(items: list[Any]) -> list[Json]:
    graph = Graph.of(Scope.public(), {org for _, org in items})
    return [
        graph.service(graph.by_id["service"][str(pk)])
        for pk, _ in items
        if str(pk) in graph.by_id["service"]
    ]


def _services(items: list[Any]) -> list[Json]:
    rows = {
        row["id"]: row
        for row in _rows("service", Service.objects.filter(id__in=[pk for pk, _ in items]))
    }
    orgs = {
        row["id"]: row
        for row in _rows(
            "organization", Organization.objects.filter(id__in={org for _, org in items})
        )
    }
    contents = []
    for pk, org in items:
        row = dict(rows[str(pk)])
        row["organization"] = orgs[str(org)]
        contents.append(row)
    return contents


@router.get(
    "/services/{service_id}",
    url_name="hsds-service",
    response=dict[str, Any],
    openapi_extra=_doc("compiled/service"),
)
def service(request: HttpRequest, service_id: str) -> Json:
    pk = _uuid(service_id)
    found = _public_services().filter(id=pk).values_list("organization_id", flat=True).first()
    if found is None:
        raise Http404
    graph = Graph.of(Scope.public(), [found])
    return graph.service(graph.by_id["service"][str(pk)])


@router.get(
    "/organizations",
    url_name="hsds-organizations",
    response=dict[str, Any],
    openapi_extra=_doc("compiled/organization_list", many=True),
)
def organizations(
    request: HttpRequest,
    page: int = PAGE,
    per_page: int = PER_PAGE,
    search: str = "",
    full: bool = False,
    format: Format = "json",
) -> Json | HttpResponseBase:
    queryset = Organization.objects.listed().order_by("name", "id")
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(description__icontains=search))
    render = _full_organizations if full else _organizations
    return _respond(queryset.values_list("id", flat=True), render, page, per_page, format)


def _full_organizations(items: list[Any]) -> list[Json]:
    graph = Graph.of(Scope.public(), items)
    return [graph.organization(graph.by_id["organization"][str(pk)]) for pk in items]


def _organizations(items: list[Any]) -> list[Json]:
    rows = {
        row["id"]: row for row in _rows("organization", Organization.objects.filter(id__in=items))
    }
    return [rows[str(pk)] for pk in items]


@router.get(
    "/organizations/{organization_id}",
    url_name="hsds-organization",
    response=dict[str, Any],
    openapi_extra=_doc("compiled/organization"),
)
def organization(request: HttpRequest, organization_id: str) -> Json:
    pk = _uuid(organization_id)
    if not Organization.objects.listed().filter(id=pk).exists():
        raise Http404
    graph = Graph.of(Scope.public(), [pk])
    return graph.organization(graph.by_id["organization"][str(pk)])


def _public_sals() -> QuerySet[ServiceAtLocation]:
    return ServiceAtLocation.objects.filter(service__organization__listing_status="listed").exclude(
        location_id__in=_confidential_locations()
    )


@router.get(
    "/service_at_locations",
    url_name="hsds-service-at-locations",
    response=dict[str, Any],
    openapi_extra=_doc("compiled/service_at_location_list", many=True),
)
def service_at_locations(
    request: HttpRequest,
    page: int = PAGE,
    per_page: int = PER_PAGE,
    search: str = "",
    taxonomy_term_id: UUID | None = None,
    taxonomy_id: UUID | None = None,
    organization_id: UUID | None = None,
    modified_after: str = "",
    postcode: str = "",
    proximity: float | None = Query(None, gt=0, le=1_000_000),
    full: bool = False,
    format: Format = "json",
) -> Json | HttpResponseBase:
    """`postcode` alone: locations with that postal code. With `proximity` (meters): locations
    within that distance of the postcode's centroid, nearest first. `modified_after` and the
    taxonomy filters apply to the service."""
    if proximity is not None and not postcode.strip():
        raise HttpError(422, "proximity needs a postcode")
    queryset = _public_sals()
    if search:
        queryset = queryset.filter(
            Q(service__name__icontains=search) | Q(service__description__icontains=search)
        )
    terms = _with_terms(taxonomy_term_id, taxonomy_id)
    if terms is not None:
        queryset = queryset.filter(service_id__in=Attribute.objects.filter(terms).values("link_id"))
    if organization_id:
        queryset = queryset.filter(service__organization_id=organization_id)
    moment = _moment(modified_after)
    if moment is not None:
        queryset = queryset.filter(service__last_modified__gte=moment)
    render = _full_sals if full else _sals
    if postcode and proximity:
        ids = _near(queryset, postcode, proximity)
        return _respond(ids, render, page, per_page, format)
    if postcode:
        queryset = queryset.filter(location__addresses__postal_code=postcode.strip()).distinct()
    ids_qs = queryset.order_by("id").values_list("id", flat=True)
    return _respond(ids_qs, render, page, per_page, format)


def _near(queryset: QuerySet[ServiceAtLocation], postcode: str, proximity: float) -> list[Any]:
    """Ids of the services at location within `proximity` meters of the postcode's centroid,
    nearest first."""
    place = geo.zip_place(postcode)
    if place is None:
        return []
    miles = proximity / geo.METERS_PER_MILE
    near = []
    for sal_id, lat, lon in (
        SearchEntry.objects.public()
        .in_box(Box.around(place.latitude, place.longitude, miles))
        .filter(service_at_location_id__in=queryset.values("id"))
        .values_list("service_at_location_id", "latitude", "longitude")
    ):
        if lat is None or lon is None:
            continue  # the box has none: entries without coordinates have no square
        distance = geo.miles_between(place.latitude, place.longitude, lat, lon)
        if distance <= miles:
            near.append((distance, str(sal_id), sal_id))
    return [sal_id for _, _, sal_id in sorted(near)]


def _full_sals(items: list[Any]) -> list[Json]:
    org_ids = set(
        ServiceAtLocation.objects.filter(id__in=items).values_list(
            "service__organization_id", flat=True
        )
    )
    graph = Graph.of(Scope.public(), org_ids)
    return [
        graph.service_at_location(graph.by_id["service_at_location"][str(pk)], with_service=True)
        for pk in items
    ]


def _sals(items: list[Any]) -> list[Json]:
    sal_rows = {
        row["id"]: row
        for row in _rows("service_at_location", ServiceAtLocation.objects.filter(id__in=items))
    }
    location_ids = [row["location_id"] for row in sal_rows.values()]
    service_ids = [row["service_id"] for row in sal_rows.values()]
    locations = {row["id"]: row for row in _rows("location", _location_qs(location_ids))}
    services_by_id = {
        row["id"]: row for row in _rows("service", Service.objects.filter(id__in=service_ids))
    }
    contents = []
    for pk in items:
        row = dict(sal_rows[str(pk)])
        row["location"] = locations[row["location_id"]]
        row["service"] = services_by_id[row["service_id"]]
        contents.append(row)
    return contents


def _location_qs(ids: list[str]) -> QuerySet[Any]:
    from hotline.directory.models import Location

    return Location.objects.filter(id__in=ids)


@router.get(
    "/service_at_locations/{sal_id}",
    url_name="hsds-service-at-location",
    response=dict[str, Any],
    openapi_extra=_doc("compiled/service_at_location"),
)
def service_at_location(request: HttpRequest, sal_id: str) -> Json:
    pk = _uuid(sal_id)
    org_id = _public_sals().filter(id=pk).values_list("service__organization_id", flat=True).first()
    if org_id is None:
        raise Http404
    graph = Graph.of(Scope.public(), [org_id])
    return graph.service_at_location(graph.by_id["service_at_location"][str(pk)], with_service=True)


@router.get(
    "/taxonomies",
    url_name="hsds-taxonomies",
    response=dict[str, Any],
    openapi_extra=_doc("taxonomy", many=True),
)
def taxonomies(
    request: HttpRequest,
    page: int = PAGE,
    per_page: int = PER_PAGE,
    search: str = "",
    format: Format = "json",
) -> Json | HttpResponseBase:
    queryset = Taxonomy.objects.order_by("name", "id")
    if search:
        queryset = queryset.filter(name__icontains=search)
    return _flat_page("taxonomy", queryset, page, per_page, format)


@router.get(
    "/taxonomies/{taxonomy_id}",
    url_name="hsds-taxonomy",
    response=dict[str, Any],
    openapi_extra=_doc("taxonomy"),
)
def taxonomy(request: HttpRequest, taxonomy_id: str) -> Json:
    return _flat_one("taxonomy", Taxonomy.objects.filter(id=_uuid(taxonomy_id)))


@router.get(
    "/taxonomy_terms",
    url_name="hsds-taxonomy-terms",
    response=dict[str, Any],
    openapi_extra=_doc("taxonomy_term", many=True),
)
def taxonomy_terms(
    request: HttpRequest,
    page: int = PAGE,
    per_page: int = PER_PAGE,
    search: str = "",
    taxonomy_id: UUID | None = None,
    parent_id: UUID | None = None,
    top_only: bool = False,
    format: Format = "json",
) -> Json | HttpResponseBase:
    queryset = TaxonomyTerm.objects.order_by("code", "name", "id")
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(code__icontains=search))
    if taxonomy_id:
        queryset = queryset.filter(taxonomy_detail_id=taxonomy_id)
    if parent_id:
        queryset = queryset.filter(parent_id=parent_id)
    if top_only:
        queryset = queryset.filter(parent__isnull=True)
    return _flat_page("taxonomy_term", queryset, page, per_page, format)


@router.get(
    "/taxonomy_terms/{term_id}",
    url_name="hsds-taxonomy-term",
    response=dict[str, Any],
    openapi_extra=_doc("taxonomy_term"),
)
def taxonomy_term(request: HttpRequest, term_id: str) -> Json:
    return _flat_one("taxonomy_term", TaxonomyTerm.objects.filter(id=_uuid(term_id)))
