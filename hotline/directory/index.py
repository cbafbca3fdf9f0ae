"""The search index: one `SearchEntry` per service at a physical location, or one per national or
virtual service, with everything search filters on precomputed.

It is rebuilt for the services a write touched, inside the writer's transaction, so that search
never sees a half-written listing. Services are built in chunks, each read with one query per
table (raw rows, no model instances): after a large import the whole index is rebuilt chunk by
chunk over ranges of service ids, so that no query carries a long list of ids.
"""

import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple
from uuid import UUID

from django.db import transaction

from hotline.directory import bulk, geo, profile
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

CHUNK = 10000  # services per range when the whole index is rebuilt
LIST_CHUNK = 2000  # services per list of ids (a query names the list three times)
SET_ASIDE_ABOVE = 20000  # services: SQLite makes the entries' indexes again after the rebuild
REBUILD_ALL_ABOVE = 20000
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
NATIONAL_AREAS = {"us", "usa", "united states", "national", "nationwide"}
NATIONAL_TIME_ZONE = "America/New_York"
Progress = Callable[[str, int, int], None]
Hours = dict[str, list[list[str]]]


class Entry(NamedTuple):
    """A `SearchEntry` row as the index writes it (its fields are the model's columns)."""

    service_id: str
    organization_id: str
    location_id: str | None
    service_at_location_id: str | None
    national: bool
    latitude: float | None
    longitude: float | None
    cell: int | None
    city: str
    state: str
    postal_code: str
    time_zone: str
    codes: str
    text: str
    hours: str  # JSON, encoded once per distinct schedule
    open_24_7: bool
    confidential: bool
    public: bool
    service_name: str
    organization_name: str
    verified_at: Any


COLUMNS = list(Entry._fields)


class ServiceRow(NamedTuple):
    id: str
    name: str
    alternate_name: str
    description: str
    status: str
    organization_id: str
    organization_name: str
    organization_alternate_name: str
    listing_status: str
    verified_at: Any


class PlaceRow(NamedTuple):
    service_at_location_id: str
    service_id: str
    location_id: str
    location_type: str
    latitude: float | None
    longitude: float | None
    confidential: bool  # the location's copy of the rule, brought up to date first


class AddressRow(NamedTuple):
    location_id: str
    city: str | None
    state: str | None
    postal_code: str | None
    address_type: str | None


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


def rebuild_all(progress: Progress | None = None) -> None:
    """Every entry anew, a range of service ids at a time, in one transaction."""
    with transaction.atomic():
        SearchEntry.objects.all().delete()
        ids = bulk.all_ids(Service)
        builder = _Builder()
        if progress:
            progress("index services", 0, len(ids))
        large = len(ids) >= SET_ASIDE_ABOVE
        with bulk.bulk_cache(), bulk.indexes_set_aside(SearchEntry, large):
            for start in range(0, len(ids), CHUNK):
                high = ids[start + CHUNK] if start + CHUNK < len(ids) else None
                builder.build(bulk.Services(low=ids[start], high=high), delete=False)
                if progress:
                    progress("index services", min(start + CHUNK, len(ids)), len(ids))


def refresh(service_ids: Iterable[UUID | str]) -> None:
    ids = sorted({str(pk) for pk in service_ids})
    builder = _Builder()
    for start in range(0, len(ids), LIST_CHUNK):
        chunk = tuple(bulk.db_id(pk) for pk in ids[start : start + LIST_CHUNK])
        builder.build(bulk.Services(ids=chunk), delete=True)


def _hours(rows: list[tuple[Any, Any, Any]]) -> Hours:
    hours: Hours = defaultdict(list)
    for byday, opens_at, closes_at in rows:
        if not opens_at or not closes_at:
            continue
        span = [_hh_mm(opens_at), _hh_mm(closes_at)]
        days = [day.strip()[-2:] for day in (byday or ",".join(DAYS)).split(",")]
        for day in days:
            if day in DAYS:
                hours[day].append(list(span))
    return dict(hours)


def _hh_mm(value: Any) -> str:
    return value[:5] if isinstance(value, str) else f"{value.hour:02d}:{value.minute:02d}"


def _always_open(hours: Hours) -> bool:
    return all(
        any(span[0] == "00:00" and span[1] >= "23:59" for span in hours.get(day, []))
        for day in DAYS
    )


def sync_confidential(services: bulk.Services) -> None:
    """The services' locations' own `confidential` column follows the one rule,
    `Attribute.objects.confidential_location_ids()`; only rows that change are written."""
    locations = Location.objects.filter(
        id__in=ServiceAtLocation.objects.filter(services.q("service_id")).values("location_id")
    )
    secret = Attribute.objects.confidential_location_ids()
    locations.filter(confidential=False, id__in=secret).update(confidential=True)
    locations.filter(confidential=True).exclude(id__in=secret).update(confidential=False)


class _Builder:
    """Builds the entries of a set of services."""

    def __init__(self) -> None:
        self.reads = bulk.IndexReads(
            {
                "service": Service,
                "organization": Organization,
                "service_at_location": ServiceAtLocation,
                "location": Location,
                "address": Address,
                "attribute": Attribute,
                "taxonomy_term": TaxonomyTerm,
                "language": Language,
                "schedule": Schedule,
                "service_area": ServiceArea,
            }
        )
        self.insert = bulk.inserter(SearchEntry, COLUMNS, ready=["hours"])
        # Raw rows name terms as the database stores ids.
        self.code_by_term = {bulk.read_id(term.id): term.code for term in profile.TERMS}
        self.labels = {code: str(term.label) for code, term in profile.TERM_BY_CODE.items()}
        self.time_zones: dict[tuple[str, str], str] = {}
        # Many services keep the same hours: computed and encoded once.
        self.hours: dict[tuple[Any, ...], tuple[Hours, str]] = {}

    def build(self, services: bulk.Services, delete: bool) -> None:
        reads = self.reads
        sync_confidential(services)
        addresses: dict[str, AddressRow] = {}
        for address in map(AddressRow._make, reads.addresses(services)):
            if address.location_id not in addresses or address.address_type == "physical":
                addresses[address.location_id] = address
        codes, other_terms = self._codes(services)
        languages: dict[str, set[str]] = defaultdict(set)
        for service_id, code in reads.languages(services):
            if code:
                languages[service_id].add(code.lower())
        schedules: dict[str, list[tuple[Any, Any, Any]]] = defaultdict(list)
        for service_id, byday, opens_at, closes_at in reads.schedules(services):
            schedules[service_id].append((byday, opens_at, closes_at))
        national_services = {
            service_id
            for service_id, name, extent in reads.service_areas(services)
            if (name or "").strip().lower() in NATIONAL_AREAS
            or (extent or "").strip().lower() in NATIONAL_AREAS
        }
        places: dict[str, list[PlaceRow]] = defaultdict(list)
        for place in map(PlaceRow._make, reads.places(services)):
            places[place.service_id].append(place)
        entries: list[Entry] = []
        for service in map(ServiceRow._make, reads.services(services)):
            entries += self._entries(
                service,
                codes,
                other_terms.get(service.id, []),
                languages.get(service.id, set()),
                schedules.get(service.id, []),
                service.id in national_services,
                places.get(service.id, []),
                addresses,
            )
        if delete:
            SearchEntry.objects.filter(services.q("service_id")).delete()
        if entries:
            self.insert(list(zip(*entries, strict=True)))

    def _entries(
        self,
        service: ServiceRow,
        codes: dict[str, set[str]],
        other_terms: list[str],
        languages: set[str],
        schedules: list[tuple[Any, Any, Any]],
        national: bool,
        places: list[PlaceRow],
        addresses: dict[str, AddressRow],
    ) -> list[Entry]:
        """One entry per physical place of the service, or one national entry."""
        hours, hours_json = self._hours(schedules)
        service_codes = codes.get(service.id, set()) | codes.get(service.organization_id, set())
        service_codes |= {f"language:{code}" for code in languages}
        open_24_7 = "feature:open_24_7" in service_codes or _always_open(hours)
        if open_24_7:
            service_codes.add("feature:open_24_7")
        words = [
            service.name,
            service.alternate_name,
            service.organization_name,
            service.organization_alternate_name,
            service.description,
            *other_terms,
            *(self.labels[code] for code in service_codes if code in self.labels),
        ]
        listed = service.listing_status == ListingStatus.LISTED and service.status == "active"
        shared = {
            "service_id": service.id,
            "organization_id": service.organization_id,
            "text": " ".join(word for word in words if word).lower(),
            "hours": hours_json,
            "open_24_7": open_24_7,
            "service_name": service.name[:255],
            "organization_name": service.organization_name[:255],
            "verified_at": service.verified_at,
        }
        placed = []
        for place in places:
            if place.location_type == "virtual":
                continue
            address = addresses.get(place.location_id)
            lat, lon = place.latitude, place.longitude
            if lat is None or lon is None:
                found = geo.zip_place((address.postal_code if address else "") or "")
                if found is None:
                    continue
                lat, lon = found.latitude, found.longitude
            placed.append((place, address, lat, lon))
        if national or not placed:
            return [
                Entry(
                    **shared,
                    location_id=None,
                    service_at_location_id=None,
                    national=True,
                    latitude=None,
                    longitude=None,
                    cell=None,
                    city="",
                    state="",
                    postal_code="",
                    time_zone=NATIONAL_TIME_ZONE,
                    codes=_codes_text(service_codes),
                    confidential=False,
                    public=listed,
                )
            ]
        entries = []
        for place, address, lat, lon in placed:
            location_codes = codes.get(place.location_id, set())
            confidential = bool(place.confidential)
            state = ((address.state if address else "") or "")[:64]
            postal_code = ((address.postal_code if address else "") or "")[:32]
            entries.append(
                Entry(
                    **shared,
                    location_id=place.location_id,
                    service_at_location_id=place.service_at_location_id,
                    national=False,
                    latitude=lat,
                    longitude=lon,
                    cell=geo.cell(lat, lon),
                    city=((address.city if address else "") or "")[:255],
                    state=state,
                    postal_code=postal_code,
                    time_zone=self._time_zone(postal_code, state),
                    codes=_codes_text(service_codes | location_codes),
                    confidential=confidential,
                    public=listed and not confidential,
                )
            )
        return entries

    def _codes(self, services: bulk.Services) -> tuple[dict[str, set[str]], dict[str, list[str]]]:
        """Profile codes per linked row (the services, their organizations and locations), and
        the names of other taxonomy terms (for keywords)."""
        codes: dict[str, set[str]] = defaultdict(set)
        other: dict[str, dict[str, str]] = defaultdict(dict)
        for link_id, term_id, term_name in self.reads.attributes(services):
            code = self.code_by_term.get(term_id)
            if code is not None:
                codes[link_id].add(code)
            else:
                other[link_id][term_id] = term_name or ""
        return codes, {link: list(names.values()) for link, names in other.items()}

    def _hours(self, schedules: list[tuple[Any, Any, Any]]) -> tuple[Hours, str]:
        key = tuple(schedules)
        if key not in self.hours:
            if len(self.hours) >= 10000:
                self.hours.clear()  # unless few services share hours, memory is worth more
            hours = _hours(schedules)
            self.hours[key] = (hours, json.dumps(hours))
        return self.hours[key]

    def _time_zone(self, postal_code: str, state: str) -> str:
        key = (postal_code, state)
        if key not in self.time_zones:
            self.time_zones[key] = geo.time_zone_for(postal_code, state)
        return self.time_zones[key]


def _codes_text(codes: set[str]) -> str:
    return " " + " ".join(sorted(codes)) + " "
