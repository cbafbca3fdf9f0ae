"""The search index: one `SearchEntry` per service at a physical location, or one per national or
virtual service, with everything search filters on precomputed.

It is rebuilt for the services a write touched, inside the writer's transaction, so that search
never sees a half-written listing. Services are built in chunks, each read with one query per
table (raw rows, no model instances): after a large import the whole index is rebuilt chunk by
chunk over ranges of service ids, so that no query carries a long list of ids.
"""

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

from django.db import connection, transaction

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

CHUNK = 10000  # services per range when the whole index is rebuilt
LIST_CHUNK = 2000  # services per list of ids (a query names the list three times)
SET_ASIDE_ABOVE = 20000  # services: SQLite makes the entries' indexes again after the rebuild
REBUILD_ALL_ABOVE = 20000
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
NATIONAL_AREAS = {"us", "usa", "united states", "national", "nationwide"}
# SearchEntry's columns, in the order _build makes its rows.
COLUMNS = [
    "service_id",
    "organization_id",
    "location_id",
    "service_at_location_id",
    "national",
    "latitude",
    "longitude",
    "cell",
    "city",
    "state",
    "postal_code",
    "time_zone",
    "codes",
    "text",
    "hours",
    "open_24_7",
    "confidential",
    "public",
    "service_name",
    "organization_name",
    "verified_at",
]
Progress = Callable[[str, int, int], None]


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
    from hotline.directory.importer import bulk_cache, db_id, indexes_set_aside

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {_table(SearchEntry)}")  # noqa: S608
            cursor.execute(f"SELECT id FROM {_table(Service)} ORDER BY id")  # noqa: S608
            ids = [db_id(pk) for (pk,) in cursor.fetchall()]
        builder = _Builder()
        if progress:
            progress("index services", 0, len(ids))
        large = len(ids) >= SET_ASIDE_ABOVE
        with bulk_cache(), indexes_set_aside(SearchEntry, large):
            for start in range(0, len(ids), CHUNK):
                if start + CHUNK < len(ids):
                    condition, bounds = "{} >= %s AND {} < %s", [ids[start], ids[start + CHUNK]]
                else:
                    condition, bounds = "{} >= %s", [ids[start]]
                builder.build(condition, bounds, delete=False)
                if progress:
                    progress("index services", min(start + CHUNK, len(ids)), len(ids))


def refresh(service_ids: Iterable[UUID | str]) -> None:
    from hotline.directory.importer import db_id

    ids = sorted({str(pk) for pk in service_ids})
    builder = _Builder()
    for start in range(0, len(ids), LIST_CHUNK):
        chunk = [db_id(pk) for pk in ids[start : start + LIST_CHUNK]]
        builder.build("{} IN (" + ", ".join(["%s"] * len(chunk)) + ")", chunk, delete=True)


@contextmanager
def _cursor() -> Iterator[Any]:
    """A cursor that reads ids as text: on PostgreSQL, a UUID object per value costs more than
    the rest of the index (and hashing them as dictionary keys again)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg.types.string import TextLoader

            cursor.cursor.adapters.register_loader("uuid", TextLoader)
        yield cursor


def read_id(value: UUID) -> str:
    """An id as `_cursor` reads it."""
    return str(value) if connection.vendor == "postgresql" else value.hex


def _table(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _hours(rows: list[tuple[Any, Any, Any]]) -> dict[str, list[list[str]]]:
    hours: dict[str, list[list[str]]] = defaultdict(list)
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


def _always_open(hours: dict[str, list[list[str]]]) -> bool:
    return all(
        any(span[0] == "00:00" and span[1] >= "23:59" for span in hours.get(day, []))
        for day in DAYS
    )


class _Builder:
    """Builds the entries of a set of services, given as a condition on a service id column."""

    def __init__(self) -> None:
        from hotline.directory.importer import db_id, inserter

        self.insert = inserter(SearchEntry, COLUMNS, ready=["hours"])
        # Raw rows name terms as the database stores ids.
        self.code_by_term = {read_id(term.id): term.code for term in profile.TERMS}
        self.confidential_term = db_id(profile.CONFIDENTIAL.id)
        self.labels = {code: str(term.label) for code, term in profile.TERM_BY_CODE.items()}
        self.time_zones: dict[tuple[str, str], str] = {}
        # Many services keep the same hours: computed and encoded once.
        self.hours: dict[tuple[Any, ...], tuple[dict[str, list[list[str]]], str]] = {}

    def _rows(self, sql: str, condition: str, column: str, params: list[Any]) -> list[Any]:
        where = condition.format(column, column)
        with _cursor() as cursor:
            cursor.execute(sql.format(where=where), params)
            return cursor.fetchall()

    def build(self, condition: str, params: list[Any], delete: bool) -> None:
        """`condition` has two {} for a column; `params` are its values."""
        service, organization = _table(Service), _table(Organization)
        sal_table, location = _table(ServiceAtLocation), _table(Location)
        # Table and column names come from the models, never from the input.
        services = self._rows(
            "SELECT s.id, s.name, s.alternate_name, s.description, s.status, "  # noqa: S608
            "s.organization_id, o.name, o.alternate_name, o.listing_status, o.last_verified_at "
            f"FROM {service} s JOIN {organization} o ON o.id = s.organization_id WHERE {{where}}",
            condition,
            "s.id",
            params,
        )
        sals = self._rows(
            "SELECT sal.id, sal.service_id, l.id, l.location_type, l.latitude, l.longitude "  # noqa: S608
            f"FROM {sal_table} sal JOIN {location} l ON l.id = sal.location_id WHERE {{where}}",
            condition,
            "sal.service_id",
            params,
        )
        in_sals = f"SELECT sal.location_id FROM {sal_table} sal WHERE {{where}}"  # noqa: S608
        addresses: dict[Any, tuple[Any, ...]] = {}
        for address in self._rows(
            "SELECT location_id, city, state_province, postal_code, address_type "  # noqa: S608
            f"FROM {_table(Address)} WHERE location_id IN ({in_sals})",
            condition,
            "sal.service_id",
            params,
        ):
            if address[0] not in addresses or address[4] == "physical":
                addresses[address[0]] = address
        codes, other_terms = self._codes(condition, params, in_sals)
        languages: dict[Any, set[str]] = defaultdict(set)
        for service_id, code in self._rows(
            f"SELECT service_id, code FROM {_table(Language)} WHERE {{where}}",  # noqa: S608
            condition,
            "service_id",
            params,
        ):
            if code:
                languages[service_id].add(code.lower())
        schedules: dict[Any, list[tuple[Any, Any, Any]]] = defaultdict(list)
        for service_id, *schedule in self._rows(
            "SELECT service_id, byday, opens_at, closes_at "  # noqa: S608
            f"FROM {_table(Schedule)} WHERE {{where}}",
            condition,
            "service_id",
            params,
        ):
            schedules[service_id].append((schedule[0], schedule[1], schedule[2]))
        national_services = {
            service_id
            for service_id, name, extent in self._rows(
                f"SELECT service_id, name, extent FROM {_table(ServiceArea)} WHERE {{where}}",  # noqa: S608
                condition,
                "service_id",
                params,
            )
            if (name or "").strip().lower() in NATIONAL_AREAS
            or (extent or "").strip().lower() in NATIONAL_AREAS
        }
        sals_by_service: dict[Any, list[tuple[Any, ...]]] = defaultdict(list)
        for sal in sals:
            sals_by_service[sal[1]].append(sal)
        confidential_code = profile.CONFIDENTIAL.code
        # The locations' own flag follows their attribute (only rows that change are written).
        chunk_locations = in_sals.format(where=condition.format("sal.service_id", "sal.service_id"))
        with _cursor() as cursor:
            cursor.execute(
                f"UPDATE {location} SET confidential = NOT confidential "  # noqa: S608
                f"WHERE id IN ({chunk_locations}) AND confidential <> (id IN "
                f"(SELECT link_id FROM {_table(Attribute)} WHERE taxonomy_term_id = %s))",
                [*params, self.confidential_term],
            )
        entries: list[tuple[Any, ...]] = []
        for (
            service_id,
            name,
            alternate_name,
            description,
            status,
            organization_id,
            org_name,
            org_alternate_name,
            listing_status,
            verified_at,
        ) in services:
            hours, hours_json = self._hours(schedules.get(service_id, []))
            service_codes = codes.get(service_id, set()) | codes.get(organization_id, set())
            service_codes |= {f"language:{code}" for code in languages.get(service_id, set())}
            open_24_7 = "feature:open_24_7" in service_codes or _always_open(hours)
            if open_24_7:
                service_codes.add("feature:open_24_7")
            words = [
                name,
                alternate_name,
                org_name,
                org_alternate_name,
                description,
                *other_terms.get(service_id, []),
                *(self.labels[code] for code in service_codes if code in self.labels),
            ]
            listed = listing_status == ListingStatus.LISTED and status == "active"
            text = " ".join(word for word in words if word).lower()
            placed = []
            for sal_id, _, location_id, location_type, lat, lon in sals_by_service.get(
                service_id, []
            ):
                if location_type == "virtual":
                    continue
                address = addresses.get(location_id)
                if lat is None or lon is None:
                    place = geo.zip_place((address[3] if address else "") or "")
                    if place is None:
                        continue
                    lat, lon = place.latitude, place.longitude
                placed.append((sal_id, location_id, address, lat, lon))
            if service_id in national_services or not placed:
                entries.append(
                    (
                        service_id,
                        organization_id,
                        None,
                        None,
                        True,
                        None,
                        None,
                        None,
                        "",
                        "",
                        "",
                        "America/New_York",
                        _codes_text(service_codes),
                        text,
                        hours_json,
                        open_24_7,
                        False,
                        listed,
                        name[:255],
                        org_name[:255],
                        verified_at,
                    )
                )
                continue
            for sal_id, location_id, address, lat, lon in placed:
                location_codes = codes.get(location_id, set())
                confidential = confidential_code in location_codes
                city, state, postal_code = address[1:4] if address else ("", "", "")
                state, postal_code = (state or "")[:64], (postal_code or "")[:32]
                entries.append(
                    (
                        service_id,
                        organization_id,
                        location_id,
                        sal_id,
                        False,
                        lat,
                        lon,
                        geo.cell(lat, lon),
                        (city or "")[:255],
                        state,
                        postal_code,
                        self._time_zone(postal_code, state),
                        _codes_text(service_codes | location_codes),
                        text,
                        hours_json,
                        open_24_7,
                        confidential,
                        listed and not confidential,
                        name[:255],
                        org_name[:255],
                        verified_at,
                    )
                )
        if delete:
            with _cursor() as cursor:
                cursor.execute(
                    f"DELETE FROM {_table(SearchEntry)} "  # noqa: S608
                    f"WHERE {condition.format('service_id', 'service_id')}",
                    params,
                )
        if entries:
            self.insert(list(zip(*entries, strict=True)))

    def _codes(
        self, condition: str, params: list[Any], in_sals: str
    ) -> tuple[dict[Any, set[str]], dict[Any, list[str]]]:
        """Profile codes per linked row (the services, their organizations and locations), and
        the names of other taxonomy terms (for keywords)."""
        service = _table(Service)
        links = (
            f"SELECT s.id FROM {service} s WHERE {{where}} "  # noqa: S608
            f"UNION SELECT s.organization_id FROM {service} s WHERE {{where}} "
            f"UNION {in_sals.format(where='{where2}')}"
        )
        where = condition.format("s.id", "s.id")
        where2 = condition.format("sal.service_id", "sal.service_id")
        codes: dict[Any, set[str]] = defaultdict(set)
        other: dict[Any, dict[Any, str]] = defaultdict(dict)
        with _cursor() as cursor:
            cursor.execute(
                "SELECT a.link_id, a.taxonomy_term_id, t.name "  # noqa: S608
                f"FROM {_table(Attribute)} a LEFT JOIN {_table(TaxonomyTerm)} t "
                "ON t.id = a.taxonomy_term_id "
                f"WHERE a.link_id IN ({links.format(where=where, where2=where2)})",
                [*params, *params, *params],
            )
            for link_id, term_id, term_name in cursor.fetchall():
                code = self.code_by_term.get(term_id)
                if code is not None:
                    codes[link_id].add(code)
                else:
                    other[link_id][term_id] = term_name or ""
        return codes, {link: list(names.values()) for link, names in other.items()}

    def _hours(
        self, schedules: list[tuple[Any, Any, Any]]
    ) -> tuple[dict[str, list[list[str]]], str]:
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
