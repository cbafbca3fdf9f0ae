"""The HSDS 3.0 API (read-only, public data only): listed organizations, and never a
confidential location, its address or anything tied to it."""

import math
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.utils.dateparse import parse_datetime
from ninja import Router

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
Json = dict[str, Any]


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


def _page(queryset: QuerySet[Any], page: int, per_page: int) -> tuple[list[Any], Json]:
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    total = queryset.count()
    pages = max(1, math.ceil(total / per_page))
    items = list(queryset[(page - 1) * per_page : page * per_page])
    return items, {
        "total_items": total,
        "total_pages": pages,
        "page_number": page,
        "size": len(items),
        "first_page": page == 1,
        "last_page": page >= pages,
        "empty": total == 0,
    }


def _confidential_locations() -> QuerySet[Any]:
    return Attribute.objects.confidential_location_ids()


def _public_services() -> QuerySet[Service]:
    return Service.objects.filter(organization__listing_status="listed")


def _values(table: str) -> list[str]:
    return [spec.attname for spec in TABLE[table].fields]


def _flat_page(table: str, queryset: QuerySet[Any], page: int, per_page: int) -> Json:
    """An HSDS page of a table whose objects have no nested parts (taxonomies, terms)."""
    items, meta = _page(queryset.values(*_values(table)), page, per_page)
    return {**meta, "contents": [hsds.row_of(TABLE[table], row) for row in items]}


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
    page: int = 1,
    per_page: int = 50,
    search: str = "",
    taxonomy_term_id: UUID | None = None,
    taxonomy_id: UUID | None = None,
    organization_id: UUID | None = None,
    modified_after: str = "",
    full: bool = False,
) -> Json:
    queryset = _public_services().order_by("name", "id")
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(description__icontains=search))
    if taxonomy_term_id:
        queryset = queryset.filter(
            id__in=Attribute.objects.filter(taxonomy_term_id=taxonomy_term_id).values("link_id")
        )
    if taxonomy_id:
        queryset = queryset.filter(
            id__in=Attribute.objects.filter(taxonomy_term__taxonomy_detail_id=taxonomy_id).values(
                "link_id"
            )
        )
    if organization_id:
        queryset = queryset.filter(organization_id=organization_id)
    if modified_after:
        moment = parse_datetime(modified_after)
        if moment is not None:
            queryset = queryset.filter(last_modified__gte=moment)
    items, meta = _page(queryset.values_list("id", "organization_id"), page, per_page)
    org_ids = {org for _, org in items}
    if full:
        graph = Graph.of(Scope.public(), org_ids)
        contents = [
            graph.service(graph.by_id["service"][str(pk)])
            for pk, _ in items
            if str(pk) in graph.by_id["service"]
        ]
    else:
        rows = {
            row["id"]: row
            for row in _rows("service", Service.objects.filter(id__in=[pk for pk, _ in items]))
        }
        orgs = {
            row["id"]: row
            for row in _rows("organization", Organization.objects.filter(id__in=org_ids))
        }
        contents = []
        for pk, org in items:
            row = dict(rows[str(pk)])
            row["organization"] = orgs[str(org)]
            contents.append(row)
    return {**meta, "contents": contents}


@router.get(
    "/services/{service_id}",
    url_name="hsds-service",
    response=dict[str, Any],
    openapi_extra=_doc("compiled/service"),
)
def service(request: HttpRequest, service_id: UUID) -> Json:
    found = (
        _public_services().filter(id=service_id).values_list("organization_id", flat=True).first()
    )
    if found is None:
        raise Http404
    graph = Graph.of(Scope.public(), [found])
    return graph.service(graph.by_id["service"][str(service_id)])


@router.get(
    "/organizations",
    url_name="hsds-organizations",
    response=dict[str, Any],
    openapi_extra=_doc("compiled/organization_list", many=True),
)
def organizations(
    request: HttpRequest, page: int = 1, per_page: int = 50, search: str = "", full: bool = False
) -> Json:
    queryset = Organization.objects.listed().order_by("name", "id")
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(description__icontains=search))
    items, meta = _page(queryset.values_list("id", flat=True), page, per_page)
    if full:
        graph = Graph.of(Scope.public(), items)
        contents = [graph.organization(graph.by_id["organization"][str(pk)]) for pk in items]
    else:
        rows = {
            row["id"]: row
            for row in _rows("organization", Organization.objects.filter(id__in=items))
        }
        contents = [rows[str(pk)] for pk in items]
    return {**meta, "contents": contents}


@router.get(
    "/organizations/{organization_id}",
    url_name="hsds-organization",
    response=dict[str, Any],
    openapi_extra=_doc("compiled/organization"),
)
def organization(request: HttpRequest, organization_id: UUID) -> Json:
    if not Organization.objects.listed().filter(id=organization_id).exists():
        raise Http404
    graph = Graph.of(Scope.public(), [organization_id])
    return graph.organization(graph.by_id["organization"][str(organization_id)])


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
    page: int = 1,
    per_page: int = 50,
    search: str = "",
    taxonomy_term_id: UUID | None = None,
    organization_id: UUID | None = None,
    postcode: str = "",
    proximity: float | None = None,
    full: bool = False,
) -> Json:
    """`postcode` alone: locations with that postal code. With `proximity` (meters): locations
    within that distance of the postcode's centroid, nearest first."""
    queryset = _public_sals()
    if search:
        queryset = queryset.filter(
            Q(service__name__icontains=search) | Q(service__description__icontains=search)
        )
    if taxonomy_term_id:
        queryset = queryset.filter(
            service_id__in=Attribute.objects.filter(taxonomy_term_id=taxonomy_term_id).values(
                "link_id"
            )
        )
    if organization_id:
        queryset = queryset.filter(service__organization_id=organization_id)
    ids: list[Any]
    if postcode and proximity:
        place = geo.zip_place(postcode)
        if place is None:
            ids = []
        else:
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
            ids = [sal_id for _, _, sal_id in sorted(near)]
        total = len(ids)
        per = max(1, min(per_page, MAX_PER_PAGE))
        pages = max(1, math.ceil(total / per))
        page = max(1, page)
        items = ids[(page - 1) * per : page * per]
        meta = {
            "total_items": total,
            "total_pages": pages,
            "page_number": page,
            "size": len(items),
            "first_page": page == 1,
            "last_page": page >= pages,
            "empty": total == 0,
        }
    else:
        if postcode:
            queryset = queryset.filter(location__addresses__postal_code=postcode.strip()).distinct()
        items, meta = _page(queryset.order_by("id").values_list("id", flat=True), page, per_page)
    sal_rows = {
        row["id"]: row
        for row in _rows("service_at_location", ServiceAtLocation.objects.filter(id__in=items))
    }
    if full:
        org_ids = set(
            ServiceAtLocation.objects.filter(id__in=items).values_list(
                "service__organization_id", flat=True
            )
        )
        graph = Graph.of(Scope.public(), org_ids)
        contents = [
            graph.service_at_location(
                graph.by_id["service_at_location"][str(pk)], with_service=True
            )
            for pk in items
        ]
    else:
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
    return {**meta, "contents": contents}


def _location_qs(ids: list[str]) -> QuerySet[Any]:
    from hotline.directory.models import Location

    return Location.objects.filter(id__in=ids)


@router.get(
    "/service_at_locations/{sal_id}",
    url_name="hsds-service-at-location",
    response=dict[str, Any],
    openapi_extra=_doc("compiled/service_at_location"),
)
def service_at_location(request: HttpRequest, sal_id: UUID) -> Json:
    org_id = (
        _public_sals().filter(id=sal_id).values_list("service__organization_id", flat=True).first()
    )
    if org_id is None:
        raise Http404
    graph = Graph.of(Scope.public(), [org_id])
    return graph.service_at_location(
        graph.by_id["service_at_location"][str(sal_id)], with_service=True
    )


@router.get(
    "/taxonomies",
    url_name="hsds-taxonomies",
    response=dict[str, Any],
    openapi_extra=_doc("taxonomy", many=True),
)
def taxonomies(request: HttpRequest, page: int = 1, per_page: int = 50, search: str = "") -> Json:
    queryset = Taxonomy.objects.order_by("name", "id")
    if search:
        queryset = queryset.filter(name__icontains=search)
    return _flat_page("taxonomy", queryset, page, per_page)


@router.get(
    "/taxonomies/{taxonomy_id}",
    url_name="hsds-taxonomy",
    response=dict[str, Any],
    openapi_extra=_doc("taxonomy"),
)
def taxonomy(request: HttpRequest, taxonomy_id: UUID) -> Json:
    return _flat_one("taxonomy", Taxonomy.objects.filter(id=taxonomy_id))


@router.get(
    "/taxonomy_terms",
    url_name="hsds-taxonomy-terms",
    response=dict[str, Any],
    openapi_extra=_doc("taxonomy_term", many=True),
)
def taxonomy_terms(
    request: HttpRequest,
    page: int = 1,
    per_page: int = 50,
    search: str = "",
    taxonomy_id: UUID | None = None,
    parent_id: UUID | None = None,
    top_only: bool = False,
) -> Json:
    queryset = TaxonomyTerm.objects.order_by("code", "name", "id")
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(code__icontains=search))
    if taxonomy_id:
        queryset = queryset.filter(taxonomy_detail_id=taxonomy_id)
    if parent_id:
        queryset = queryset.filter(parent_id=parent_id)
    if top_only:
        queryset = queryset.filter(parent__isnull=True)
    return _flat_page("taxonomy_term", queryset, page, per_page)


@router.get(
    "/taxonomy_terms/{term_id}",
    url_name="hsds-taxonomy-term",
    response=dict[str, Any],
    openapi_extra=_doc("taxonomy_term"),
)
def taxonomy_term(request: HttpRequest, term_id: UUID) -> Json:
    return _flat_one("taxonomy_term", TaxonomyTerm.objects.filter(id=term_id))
