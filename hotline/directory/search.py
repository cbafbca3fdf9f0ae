"""Finding listings near a caller.

A search is one range scan of the (latitude, longitude) index over a box around the caller,
with the filters as conditions on precomputed columns of `SearchEntry`; the exact distance,
"open now" and the ordering are then computed in Python over the few rows in the box. National
and virtual services have no distance: they come back in a section of their own.
"""

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.directory import geo, profile
from hotline.directory.models import SearchEntry

RADIUS_CHOICES = [5, 10, 25, 50, 100, 250]
DEFAULT_RADIUS = 25
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
FIELDS = [
    "id",
    "service_id",
    "organization_id",
    "location_id",
    "service_at_location_id",
    "latitude",
    "longitude",
    "city",
    "state",
    "postal_code",
    "codes",
    "hours",
    "time_zone",
    "open_24_7",
    "service_name",
    "organization_name",
    "verified_at",
    "confidential",
]
GROUPS = {
    "categories": "category",
    "populations": "population",
    "languages": "language",
    "trafficking_types": "trafficking_type",
}
FEATURES = {
    "open_24_7": "feature:open_24_7",
    "warm_transfer": "feature:warm_transfer",
    "no_le_report": "feature:no_le_report",
}


@dataclass(frozen=True)
class Query:
    place: geo.Place | None = None
    radius: float = DEFAULT_RADIUS
    categories: tuple[str, ...] = ()
    populations: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    trafficking_types: tuple[str, ...] = ()
    open_now: bool = False
    open_24_7: bool = False
    warm_transfer: bool = False
    no_le_report: bool = False
    keyword: str = ""
    public: bool = False

    def active_filters(self) -> list[str]:
        names = [name for name in GROUPS if getattr(self, name)]
        names += [name for name in ["open_now", *FEATURES] if getattr(self, name)]
        if self.keyword.strip():
            names.append("keyword")
        return names

    def without(self, name: str) -> "Query":
        changes: dict[str, Any] = {name: () if name in GROUPS else False}
        if name == "keyword":
            changes = {"keyword": ""}
        return replace(self, **changes)


@dataclass
class Hit:
    entry: dict[str, Any]
    distance: float | None
    reasons: list[str]
    details: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["entry"][name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True)
class Suggestion:
    filter: str
    label: str
    count: int


@dataclass
class Results:
    query: Query
    local: list[Hit]
    national: list[Hit]
    local_total: int
    suggestions: list[Suggestion]


def _label(group: str, value: str) -> str:
    if group == "language":
        return str(profile.LANGUAGE_NAMES.get(value, value))
    term = profile.TERM_BY_CODE.get(f"{group}:{value}")
    return str(term.label) if term else value


def filter_label(query: Query, name: str) -> str:
    if name in GROUPS:
        values = ", ".join(_label(GROUPS[name], v) for v in getattr(query, name))
        return {
            "categories": _("service: %s"),
            "populations": _("population: %s"),
            "languages": _("language: %s"),
            "trafficking_types": _("trafficking type: %s"),
        }[name] % values
    if name == "keyword":
        return _("keyword “%s”") % query.keyword.strip()
    if name == "open_now":
        return _("open now")
    return str(profile.TERM_BY_CODE[FEATURES[name]].label).lower()


def _filtered(query: Query) -> Any:
    entries = SearchEntry.objects.all()
    if query.public:
        entries = entries.public()
    for name, group in GROUPS.items():
        values = getattr(query, name)
        if values:
            any_of = Q()
            for value in values:
                any_of |= Q(codes__contains=f" {group}:{value} ")
            entries = entries.filter(any_of)
    for name, code in FEATURES.items():
        if getattr(query, name):
            entries = entries.with_code(code)
    for word in query.keyword.lower().split()[:8]:
        entries = entries.filter(text__contains=word)
    return entries


def is_open(entry: dict[str, Any], now: dt.datetime) -> bool:
    if entry["open_24_7"]:
        return True
    try:
        local = now.astimezone(ZoneInfo(entry["time_zone"] or "America/New_York"))
    except (ZoneInfoNotFoundError, ValueError):
        local = now
    day = DAYS[local.weekday()]
    yesterday = DAYS[(local.weekday() - 1) % 7]
    clock = local.strftime("%H:%M")
    for opens, closes in entry["hours"].get(day, []):
        if opens <= clock < closes or (closes <= opens and clock >= opens):
            return True
    # A span past midnight that began yesterday.
    return any(
        closes <= opens and clock < closes for opens, closes in entry["hours"].get(yesterday, [])
    )


def _reasons(query: Query, entry: dict[str, Any], distance: float | None) -> list[str]:
    reasons = []
    if distance is not None and query.place is not None:
        reasons.append(
            _("%(miles).1f miles from %(place)s") % {"miles": distance, "place": query.place.label}
        )
    codes = entry["codes"]
    for name, group in GROUPS.items():
        matched = [v for v in getattr(query, name) if f" {group}:{v} " in codes]
        if matched:
            reasons.append(", ".join(_label(group, v) for v in matched))
    for name, code in FEATURES.items():
        if getattr(query, name):
            reasons.append(str(profile.TERM_BY_CODE[code].label))
    if query.open_now:
        reasons.append(_("Open now"))
    if query.keyword.strip():
        reasons.append(_("Mentions “%s”") % query.keyword.strip())
    return reasons


def _local(query: Query, now: dt.datetime, fields: list[str]) -> list[tuple[float, dict[str, Any]]]:
    place = query.place
    assert place is not None
    lat_delta, lon_delta = geo.bounding_box(place.latitude, place.longitude, query.radius)
    rows = _filtered(query).in_box(place.latitude, place.longitude, lat_delta, lon_delta)
    found = []
    for entry in rows.values(*fields):
        distance = geo.miles_between(
            place.latitude, place.longitude, entry["latitude"], entry["longitude"]
        )
        if distance > query.radius:
            continue
        if query.open_now and not is_open(entry, now):
            continue
        found.append((distance, entry))
    return found


def count_local(query: Query, now: dt.datetime | None = None) -> int:
    fields = ["latitude", "longitude"]
    if query.open_now:
        fields += ["hours", "time_zone", "open_24_7"]
    return len(_local(query, now or timezone.now(), fields))


def search(query: Query, limit: int = 50, now: dt.datetime | None = None) -> Results:
    now = now or timezone.now()
    local: list[Hit] = []
    total = 0
    if query.place is not None:
        # Distances from the few columns they need; every column only for the rows shown.
        fields = ["id", "latitude", "longitude"]
        if query.open_now:
            fields += ["hours", "time_zone", "open_24_7"]
        found = _local(query, now, fields)
        total = len(found)
        found.sort(key=lambda pair: (pair[0], pair[1]["id"]))
        nearest = {entry["id"]: distance for distance, entry in found[:limit]}
        rows = SearchEntry.objects.filter(id__in=list(nearest)).values(*FIELDS)
        ordered = sorted(rows, key=lambda entry: (nearest[entry["id"]], entry["id"]))
        local = [
            Hit(entry, nearest[entry["id"]], _reasons(query, entry, nearest[entry["id"]]))
            for entry in ordered
        ]
    national_rows = (
        # "cell IS NULL" reaches the few national rows through an index; a bare boolean
        # column in SQLite's WHERE does not.
        _filtered(query)
        .filter(cell__isnull=True, national=True)
        .order_by("organization_name", "service_name")
    )
    national = []
    for entry in national_rows.values(*FIELDS)[:limit]:
        if query.open_now and not is_open(entry, now):
            continue
        national.append(Hit(entry, None, _reasons(query, entry, None)))
    suggestions = []
    if query.place is not None and total == 0:
        suggestions = suggest(query, now)
    return Results(query, local, national, total, suggestions)


def _passes(query: Query, name: str, entry: dict[str, Any], now: dt.datetime) -> bool:
    codes = entry["codes"]
    if name in GROUPS:
        return any(f" {GROUPS[name]}:{v} " in codes for v in getattr(query, name))
    if name in FEATURES:
        return f" {FEATURES[name]} " in codes
    if name == "open_now":
        return is_open(entry, now)
    return all(word in entry["text"] for word in query.keyword.lower().split()[:8])


def suggest(query: Query, now: dt.datetime) -> list[Suggestion]:
    """What to relax, and how many results each change would give. One query reads the rows in
    the circle without filters; each row then counts for the one filter it fails, if only one."""
    place = query.place
    assert place is not None
    active = query.active_filters()
    out = []
    if active:
        fields = ["latitude", "longitude", "codes", "hours", "time_zone", "open_24_7"]
        if "keyword" in active:
            fields.append("text")
        bare = Query(place=place, radius=query.radius, public=query.public)
        counts: dict[str, int] = dict.fromkeys(active, 0)
        for _distance, entry in _local(bare, now, fields):
            failing = [name for name in active if not _passes(query, name, entry, now)]
            if len(failing) == 1:
                counts[failing[0]] += 1
        for name, count in counts.items():
            if count:
                label = _("Remove the filter %s") % filter_label(query, name)
                out.append(Suggestion(name, label, count))
    for radius in [r for r in RADIUS_CHOICES if r > query.radius][:2]:
        count = count_local(replace(query, radius=radius), now)
        if count:
            out.append(Suggestion("radius", _("Widen the radius to %d miles") % radius, count))
            break
    return sorted(out, key=lambda s: -s.count)


def service_ids(results: Results) -> set[UUID]:
    return {hit.entry["service_id"] for hit in [*results.local, *results.national]}
