"""The search index: one `SearchEntry` per service at a physical location, or one per national or
virtual service, with everything search filters on precomputed.

It is rebuilt for the services a write touched, inside the writer's transaction, so that search
never sees a half-written listing.
"""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from hotline.directory import geo, profile
from hotline.directory.models import (
    Address,
    Attribute,
    Language,
    ListingStatus,
    Location,
    Organization,
    Schedule,
    SearchEntry,
    Service,
    ServiceArea,
    ServiceAtLocation,
    TaxonomyTerm,
)

CHUNK = 5000
REBUILD_ALL_ABOVE = 20000
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
NATIONAL_AREAS = {"us", "usa", "united states", "national", "nationwide"}


def refresh_for_import(touched: dict[str, set[Any]]) -> None:
    if sum(len(ids) for ids in touched.values()) > REBUILD_ALL_ABOVE:
        rebuild_all()
        return
    service_ids = set(touched.get("service", set()))
    if touched.get("organization"):
        service_ids |= set(
            Service.objects.filter(organization_id__in=touched["organization"]).values_list(
                "id", flat=True
            )
        )
    if touched.get("location") or touched.get("service_at_location"):
        service_ids |= set(
            ServiceAtLocation.objects.filter(location_id__in=touched.get("location", set()))
            .values_list("service_id", flat=True)
            .union(
                ServiceAtLocation.objects.filter(
                    id__in=touched.get("service_at_location", set())
                ).values_list("service_id", flat=True)
            )
        )
    refresh(service_ids)


def refresh_organization(organization: Organization) -> None:
    refresh(Service.objects.filter(organization=organization).values_list("id", flat=True))


def rebuild_all() -> None:
    SearchEntry.objects.all().delete()
    ids = list(Service.objects.order_by("id").values_list("id", flat=True))
    for start in range(0, len(ids), CHUNK):
        _build(ids[start : start + CHUNK], delete=False)


def refresh(service_ids: Iterable[UUID | str]) -> None:
    ids = sorted({str(pk) for pk in service_ids})
    for start in range(0, len(ids), CHUNK):
        _build(ids[start : start + CHUNK], delete=True)


def _codes_by_link(link_ids: list[UUID]) -> tuple[dict[UUID, set[str]], dict[UUID, list[str]]]:
    """Profile codes per linked row, and the names of other taxonomy terms (for keywords)."""
    codes: dict[UUID, set[str]] = defaultdict(set)
    other: dict[UUID, set[UUID]] = defaultdict(set)
    for start in range(0, len(link_ids), CHUNK):
        for link_id, term_id in Attribute.objects.filter(
            link_id__in=link_ids[start : start + CHUNK]
        ).values_list("link_id", "taxonomy_term_id"):
            term = profile.TERM_BY_ID.get(term_id)
            if term is not None:
                codes[link_id].add(term.code)
            else:
                other[link_id].add(term_id)
    names: dict[UUID, list[str]] = {}
    if other:
        term_names = dict(
            TaxonomyTerm.objects.filter(
                id__in={term for terms in other.values() for term in terms}
            ).values_list("id", "name")
        )
        names = {link: [term_names.get(t, "") for t in terms] for link, terms in other.items()}
    return codes, names


def _hours(rows: list[dict[str, Any]]) -> dict[str, list[list[str]]]:
    hours: dict[str, list[list[str]]] = defaultdict(list)
    for row in rows:
        if not row["opens_at"] or not row["closes_at"]:
            continue
        days = [day.strip()[-2:] for day in (row["byday"] or ",".join(DAYS)).split(",")]
        for day in days:
            if day in DAYS:
                hours[day].append(
                    [row["opens_at"].strftime("%H:%M"), row["closes_at"].strftime("%H:%M")]
                )
    return dict(hours)


def _always_open(hours: dict[str, list[list[str]]]) -> bool:
    return all(
        any(span[0] == "00:00" and span[1] >= "23:59" for span in hours.get(day, []))
        for day in DAYS
    )


def _build(service_ids: list[Any], delete: bool) -> None:
    services = list(
        Service.objects.filter(id__in=service_ids).values(
            "id", "name", "alternate_name", "description", "status", "organization_id"
        )
    )
    org_ids = {service["organization_id"] for service in services}
    organizations = {
        org["id"]: org
        for org in Organization.objects.filter(id__in=org_ids).values(
            "id", "name", "alternate_name", "listing_status", "last_verified_at"
        )
    }
    sals = _as_dicts(
        ServiceAtLocation.objects.filter(service_id__in=service_ids).values(
            "id", "service_id", "location_id"
        )
    )
    location_ids = list({sal["location_id"] for sal in sals})
    locations = {
        loc["id"]: loc
        for loc in Location.objects.filter(id__in=location_ids).values(
            "id", "location_type", "latitude", "longitude", "name"
        )
    }
    addresses: dict[UUID, dict[str, Any]] = {}
    for address in _as_dicts(
        Address.objects.filter(location_id__in=location_ids).values(
            "location_id", "city", "state_province", "postal_code", "address_type"
        )
    ):
        if address["location_id"] not in addresses or address["address_type"] == "physical":
            addresses[address["location_id"]] = address
    codes, other_terms = _codes_by_link([*service_ids, *location_ids, *org_ids])
    languages: dict[UUID, set[str]] = defaultdict(set)
    for service_id, code in Language.objects.filter(service_id__in=service_ids).values_list(
        "service_id", "code"
    ):
        if code:
            languages[service_id].add(code.lower())
    schedules: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
    for row in _as_dicts(
        Schedule.objects.filter(service_id__in=service_ids).values(
            "service_id", "byday", "opens_at", "closes_at"
        )
    ):
        schedules[row["service_id"]].append(row)
    national_services = {
        service_id
        for service_id, name, extent in ServiceArea.objects.filter(
            service_id__in=service_ids
        ).values_list("service_id", "name", "extent")
        if (name or "").strip().lower() in NATIONAL_AREAS
        or (extent or "").strip().lower() in NATIONAL_AREAS
    }
    sals_by_service: dict[UUID, list[dict[str, Any]]] = defaultdict(list)
    for sal in sals:
        sals_by_service[sal["service_id"]].append(sal)

    confidential_locations = {
        location_id
        for location_id in location_ids
        if profile.CONFIDENTIAL.code in codes.get(location_id, set())
    }
    Location.objects.filter(id__in=location_ids, confidential=True).exclude(
        id__in=confidential_locations
    ).update(confidential=False)
    if confidential_locations:
        Location.objects.filter(id__in=confidential_locations).update(confidential=True)

    entries: list[dict[str, Any]] = []
    for service in services:
        org = organizations[service["organization_id"]]
        hours = _hours(schedules.get(service["id"], []))
        service_codes = codes.get(service["id"], set()) | codes.get(org["id"], set())
        service_codes |= {f"language:{code}" for code in languages.get(service["id"], set())}
        open_24_7 = "feature:open_24_7" in service_codes or _always_open(hours)
        if open_24_7:
            service_codes.add("feature:open_24_7")
        words = [
            service["name"],
            service["alternate_name"],
            org["name"],
            org["alternate_name"],
            service["description"],
            *other_terms.get(service["id"], []),
            *(
                str(profile.TERM_BY_CODE[code].label)
                for code in service_codes
                if code in profile.TERM_BY_CODE
            ),
        ]
        listed = org["listing_status"] == ListingStatus.LISTED and service["status"] == "active"
        common = {
            "service_id": service["id"],
            "organization_id": org["id"],
            "hours": hours,
            "open_24_7": open_24_7,
            "service_name": service["name"][:255],
            "organization_name": org["name"][:255],
            "verified_at": org["last_verified_at"],
            "text": " ".join(word for word in words if word).lower(),
        }
        placed = []
        for sal in sals_by_service.get(service["id"], []):
            location = locations.get(sal["location_id"])
            if location is None or location["location_type"] == "virtual":
                continue
            address = addresses.get(location["id"], {})
            lat, lon = location["latitude"], location["longitude"]
            if lat is None or lon is None:
                place = geo.zip_place(address.get("postal_code") or "")
                if place is None:
                    continue
                lat, lon = place.latitude, place.longitude
            placed.append((sal, location, address, lat, lon))
        if service["id"] in national_services or not placed:
            entries.append(
                {
                    **common,
                    "national": True,
                    "codes": _codes_text(service_codes),
                    "public": listed,
                    "time_zone": "America/New_York",
                }
            )
            continue
        for sal, location, address, lat, lon in placed:
            confidential = location["id"] in confidential_locations
            location_codes = service_codes | codes.get(location["id"], set())
            state = (address.get("state_province") or "")[:64]
            postal_code = (address.get("postal_code") or "")[:32]
            entries.append(
                {
                    **common,
                    "location_id": location["id"],
                    "service_at_location_id": sal["id"],
                    "latitude": lat,
                    "longitude": lon,
                    "cell": geo.cell(lat, lon),
                    "city": (address.get("city") or "")[:255],
                    "state": state,
                    "postal_code": postal_code,
                    "time_zone": geo.time_zone_for(postal_code, state),
                    "codes": _codes_text(location_codes),
                    "confidential": confidential,
                    "public": listed and not confidential,
                }
            )
    if delete:
        SearchEntry.objects.filter(service_id__in=service_ids).delete()
    from hotline.directory.importer import insert_rows

    insert_rows(SearchEntry, entries)


def _as_dicts(rows: Any) -> list[dict[str, Any]]:
    return list(rows)


def _codes_text(codes: set[str]) -> str:
    return " " + " ".join(sorted(codes)) + " "
