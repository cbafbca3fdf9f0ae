"""Finding listings near a caller.

A search reads the precomputed `SearchEntry` rows in a box around the caller: an equality
lookup on the indexed grid squares that meet the box, then the box, with the filters as
conditions on the precomputed codes. Only the id and coordinates come back; the exact
distance, "open now" and the ordering are computed in Python, and every column is read only
for the hits shown. National and virtual services have no distance: they come back in a
section of their own.

The work must not grow with the listings around a caller in a dense city: a circle with more
than a few hundred matches is read in rings from the middle until the page is full, and the
database counts the rest (the distance computed in SQL; the entries within a hair of the edge
measured again in Python, so the count is exact).

When nothing matches, the hints say which filter to relax and how many results that gives:
one more read of the box tells for each entry which filters it fails (the database counts
them per filter), and a count with the next wider radius skips the grid squares already known
to hold no match.
"""

import datetime as dt
import heapq
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import connections, router
from django.utils import timezone
from django.utils.translation import gettext as _

from hotline.directory import geo, profile
from hotline.directory.box import Box
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
    more: bool = False  # `count` is a floor: there are more than COUNT_CAP


@dataclass
class Results:
    query: Query
    local: list[Hit]
    national: list[Hit]
    local_total: int
    suggestions: list[Suggestion]
    local_more: bool = False  # more than `local_total` (which is then COUNT_CAP)


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


class _Sql:
    """The statements of one search, written out rather than compiled by the ORM for every
    search (compiling the scan cost more than running it). Each filter is the condition
    Django's `contains` lookup writes, with the same escaping of the pattern."""

    def __init__(self, query: Query, connection: Any) -> None:
        self.query = query
        self.connection = connection
        quote = connection.ops.quote_name
        self.table = quote(SearchEntry._meta.db_table)
        self.contains = "{} " + connection.operators["contains"]
        self.cast = connection.ops.lookup_cast("contains", "TextField")
        self.names = query.active_filters()
        self.bits = {name: 1 << index for index, name in enumerate(self.names)}
        self.conditions = self._conditions()

    def column(self, name: str) -> str:
        return self.connection.ops.quote_name(name)

    def _like(self, column: str, fragment: str, table: str = "") -> tuple[str, list[Any]]:
        pattern = "%" + self.connection.ops.prep_for_like_query(fragment) + "%"
        name = f"{table}.{self.column(column)}" if table else self.column(column)
        return self.contains.format(self.cast % name), [pattern]

    def _any(self, parts: list[tuple[str, list[Any]]], joint: str) -> tuple[str, list[Any]]:
        sql = f" {joint} ".join(part for part, _params in parts)
        return f"({sql})", [param for _part, params in parts for param in params]

    def _conditions(self) -> dict[str, tuple[str, list[Any]]]:
        """Every active filter the database evaluates, by name. "Open now" is not one: it
        depends on each entry's time zone."""
        query = self.query
        conditions = {}
        for name, group in GROUPS.items():
            values = getattr(query, name)
            if values:
                likes = [self._like("codes", f" {group}:{value} ") for value in values]
                conditions[name] = self._any(likes, "OR")
        for name, code in FEATURES.items():
            if getattr(query, name):
                conditions[name] = self._like("codes", f" {code} ")
        words = query.keyword.lower().split()[:8]
        if words:
            # The text is the one column the box's index lacks: it is looked up by id, and
            # only for the entries that pass everything else (the database checks the other
            # conditions first), so that the scan still reads the index alone. A scalar
            # subquery, not EXISTS: PostgreSQL would make EXISTS a join, and for a large box
            # hash the whole table's text.
            text, text_params = self._any([self._like("text", w, "keyword") for w in words], "AND")
            entry_id = self.column("id")
            conditions["keyword"] = (
                f"(SELECT 1 FROM {self.table} AS keyword WHERE "  # noqa: S608
                f"keyword.{entry_id} = {self.table}.{entry_id} AND {text}) IS NOT NULL",
                text_params,
            )
        return conditions

    def where(self, base: list[str], params: list[Any], filtered: bool) -> tuple[str, list[Any]]:
        parts, params = list(base), list(params)
        if self.query.public:
            parts.append(f"{self.column('public')} = %s")
            params.append(True)
        if filtered:
            for sql, condition_params in self.conditions.values():
                parts.append(sql)
                params += condition_params
        return " AND ".join(parts), params

    def box(self, box: Box) -> tuple[list[str], list[Any]]:
        return box.sql(self.column)

    def failing(self) -> tuple[str, list[Any]]:
        """One integer per entry: a bit for each filter it fails. The keyword's bit is worked
        out only for an entry that fails no more than one other filter (it is no near miss
        otherwise): its text is looked up for those alone."""
        cases, params = [], []
        for name, (sql, condition_params) in self.conditions.items():
            if name != "keyword":
                cases.append(f"CASE WHEN {sql} THEN 0 ELSE {self.bits[name]} END")
                params += condition_params
        others, others_params = " + ".join(cases) or "0", params
        if "keyword" not in self.conditions:
            return others, others_params
        sql, keyword_params = self.conditions["keyword"]
        single = ", ".join(
            ["0", *(str(bit) for name, bit in self.bits.items() if name != "keyword")]
        )
        keyword = (
            f"CASE WHEN ({others}) NOT IN ({single}) THEN 0 "
            f"WHEN {sql} THEN 0 ELSE {self.bits['keyword']} END"
        )
        return f"({others}) + {keyword}", [*others_params, *others_params, *keyword_params]

    def columns(self, names: list[str]) -> str:
        return ", ".join(self.column(name) for name in names)

    def select(self, columns: str, where: str, tail: str = "") -> str:
        # Only quoted names, our own integers and placeholders are written into the
        # statement; every value from the query travels as a parameter.
        return f"SELECT {columns} FROM {self.table} WHERE {where}{tail}"  # noqa: S608

    def fenced(self, statement: str) -> str:
        """The statement as a derived table the database does not fold into the outer one."""
        # OFFSET 0 keeps the database from copying the failing expression, filters and all,
        # into the outer condition; SQLite has no OFFSET without a LIMIT.
        no_limit = self.connection.ops.no_limit_value()
        fence = "OFFSET 0" if no_limit is None else f"LIMIT {int(no_limit)} OFFSET 0"
        return f"({statement} {fence}) AS box"

    def at_most_one_failing(self, statement: str) -> str:
        single = ", ".join(["0", *(str(bit) for bit in self.bits.values())])
        return f"SELECT * FROM {self.fenced(statement)} WHERE failing IN ({single})"  # noqa: S608

    def run(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def haversine(self) -> tuple[str, list[Any]]:
        """The haversine of each entry's distance from the place (`a` in `_distances`), in
        SQL: `a <= _within(miles)` is "within so many miles", give or take far less than
        EPSILON_MILES of floating-point difference from what Python computes."""
        place = self.query.place
        assert place is not None
        k = math.pi / 180  # what math.radians multiplies by
        p1 = math.radians(place.latitude)
        lat, lon = self.column("latitude"), self.column("longitude")
        sql = (
            f"(power(sin(({lat} * %s - %s) / 2), 2) + "
            f"%s * cos({lat} * %s) * power(sin(({lon} - %s) * %s / 2), 2))"
        )
        return sql, [k, p1, math.cos(p1), k, place.longitude, k]

    def near(
        self,
        columns: list[str],
        radius: float,
        low: float | None,
        high: float,
        filtered: bool = True,
        known_empty: float = 0.0,
        tail: str = "",
        also: str = "",
    ) -> tuple[str, list[Any]]:
        """The `columns` and the `haversine` of the entries in the box of `radius` whose
        distance, as the database computes it, lies above `low` miles (None: no lower bound)
        and at most `high` miles; the grid squares wholly inside `known_empty` miles are
        left out. `also` is a further condition on the columns (with no parameters), `tail`
        follows the statement (LIMIT). The parameters returned are those of
        the haversine, the conditions and the bounds: columns that take parameters of their
        own need theirs put first."""
        place = self.query.place
        assert place is not None
        box = Box.around(place.latitude, place.longitude, radius, known_empty)
        where, params = self.where(*self.box(box), filtered=filtered)
        haversine, haversine_params = self.haversine()
        selected = ", ".join([*columns, f"{haversine} AS haversine"])
        inner = self.select(selected, where)
        # The haversine is computed once per entry in the box, in the fenced inner statement.
        outer = "haversine <= %s" + ("" if low is None else " AND haversine > %s") + also
        bounds = [_within(high)] + ([] if low is None else [_within(low)])
        statement = f"SELECT * FROM {self.fenced(inner)} WHERE {outer}{tail}"  # noqa: S608
        return statement, [*haversine_params, *params, *bounds]


OPEN_COLUMNS = ["open_24_7", "time_zone", "hours"]


class _Clock:
    """The local weekday and time at one instant, computed once per time zone."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now
        self.zones: dict[str, tuple[str, str, str]] = {}

    def local(self, time_zone: str) -> tuple[str, str, str]:
        """Today, yesterday and the clock ("HH:MM") where the entry is."""
        known = self.zones.get(time_zone)
        if known is not None:
            return known
        try:
            local = self.now.astimezone(ZoneInfo(time_zone or "America/New_York"))
        except (ZoneInfoNotFoundError, ValueError):
            local = self.now
        weekday = local.weekday()
        self.zones[time_zone] = (DAYS[weekday], DAYS[(weekday - 1) % 7], local.strftime("%H:%M"))
        return self.zones[time_zone]

    def is_open(self, open_24_7: bool, time_zone: str, hours: Any) -> bool:
        if open_24_7:
            return True
        if isinstance(hours, str):  # read as text, not through the model field
            hours = json.loads(hours)
        day, yesterday, clock = self.local(time_zone)
        for opens, closes in hours.get(day, []):
            if opens <= clock < closes or (closes <= opens and clock >= opens):
                return True
        # A span past midnight that began yesterday.
        return any(closes <= opens and clock < closes for opens, closes in hours.get(yesterday, []))


def is_open(entry: dict[str, Any], now: dt.datetime) -> bool:
    return _Clock(now).is_open(entry["open_24_7"], entry["time_zone"], entry["hours"])


class _Reasons:
    """Why each hit matched. What depends on the query alone is worked out once per search."""

    def __init__(self, query: Query) -> None:
        self.query = query
        self.groups = [
            (group, [(v, f" {group}:{v} ") for v in getattr(query, name)])
            for name, group in GROUPS.items()
            if getattr(query, name)
        ]
        self.labels: dict[tuple[str, str], str] = {}
        self.tail = [
            str(profile.TERM_BY_CODE[code].label)
            for name, code in FEATURES.items()
            if getattr(query, name)
        ]
        if query.open_now:
            self.tail.append(_("Open now"))
        if query.keyword.strip():
            self.tail.append(_("Mentions “%s”") % query.keyword.strip())
        self.distance = _("%(miles).1f miles from %(place)s")

    def label(self, group: str, value: str) -> str:
        key = (group, value)
        if key not in self.labels:
            self.labels[key] = _label(group, value)
        return self.labels[key]

    def __call__(self, entry: dict[str, Any], distance: float | None) -> list[str]:
        reasons = []
        if distance is not None and self.query.place is not None:
            reasons.append(self.distance % {"miles": distance, "place": self.query.place.label})
        codes = entry["codes"]
        for group, values in self.groups:
            matched = [value for value, code in values if code in codes]
            if matched:
                reasons.append(", ".join(self.label(group, value) for value in matched))
        return reasons + self.tail


def _distances(place: geo.Place) -> Callable[[float, float], float]:
    """`geo.miles_between(place, …)` with what depends on the place alone computed once: the
    same operations in the same order, so the same floats."""
    lat1, lon1 = place.latitude, place.longitude
    p1 = math.radians(lat1)
    cos_p1 = math.cos(p1)
    radians, sin, cos, asin, sqrt = math.radians, math.sin, math.cos, math.asin, math.sqrt
    diameter = 2 * geo.EARTH_RADIUS_MILES

    def miles(lat2: float, lon2: float) -> float:
        p2 = radians(lat2)
        dp, dl = p2 - p1, radians(lon2 - lon1)
        a = sin(dp / 2) ** 2 + cos_p1 * cos(p2) * sin(dl / 2) ** 2
        return diameter * asin(min(1.0, sqrt(a)))

    return miles


# SQL's and Python's haversine differ by many orders of magnitude less than this: an entry
# whose distance in SQL lies within it of a circle's edge is measured again in Python.
EPSILON_MILES = 0.001


def _within(miles: float) -> float:
    """The haversine `a` of a distance of `miles` (`_distances` inverted)."""
    miles = max(0.0, miles)
    return math.sin(min(math.pi / 2, miles / (2 * geo.EARTH_RADIUS_MILES))) ** 2


PROBE = 1000  # entries: a box with no more than this many matches is read whole
# Counts stop here: "more than 1,000 listings" tells a specialist as much as the exact number,
# and counting on costs a read of every entry in a dense city's circle.
COUNT_CAP = 1000
PAGE_MARGIN = 1.5  # rings are made wide enough for this many times the page, by the density


@dataclass
class _Circle:
    nearest: list[tuple[float, int]]  # (distance, id) of the nearest entries that pass it all
    total: int  # how many entries in the circle pass every filter (at most COUNT_CAP)
    relaxed: dict[str, int]  # per filter, the entries in the circle that fail only that one
    more: bool = False  # there are more than `total` matches
    relaxed_more: bool = False  # the `relaxed` counts are floors


def _circle(sql: _Sql, clock: _Clock, limit: int) -> _Circle:
    """The nearest matches in the circle and how many there are. A first read takes up to
    PROBE + 1 matches in the circle's box: when that is all of them, that is the answer.
    Otherwise the circle is dense, and it is read in rings from the middle, each wider by
    what the density so far says the page needs, until the page is full; the database counts
    the rest. So in a dense city only the nearest few hundred entries come back. "Open now"
    depends on each entry's time zone and hours: with it, every match in the circle is read
    (`_whole_circle`)."""
    query = sql.query
    assert query.place is not None
    if query.open_now:
        return _whole_circle(sql, clock, limit)
    miles = _distances(query.place)
    radius, margin = query.radius, 2 * EPSILON_MILES
    columns = [sql.column(name) for name in ["id", "latitude", "longitude"]]
    found: dict[int, float] = {}
    # The probe reads the box as a search always did: the distances are measured here.
    box = Box.around(query.place.latitude, query.place.longitude, radius)
    where, params = sql.where(*sql.box(box), filtered=True)
    rows = sql.run(sql.select(", ".join(columns), where, f" LIMIT {int(PROBE) + 1}"), params)
    if len(rows) <= PROBE:
        for entry_id, lat, lon in rows:
            distance = miles(lat, lon)
            if distance <= radius:
                found[entry_id] = distance
        total, more = len(found), False
    else:
        inner: float | None = None
        outer = radius * min(0.5, math.sqrt(PAGE_MARGIN * limit / max(PROBE, 1)))
        while True:
            # Every entry within `outer` is read (its box holds the circle and a margin),
            # and every one read lies within `outer` + EPSILON_MILES.
            statement, params = sql.near(
                columns,
                outer + margin,
                None if inner is None else inner - EPSILON_MILES,
                outer + EPSILON_MILES,
            )
            for entry_id, lat, lon, _ in sql.run(statement, params):
                distance = miles(lat, lon)
                if distance <= radius:
                    found[entry_id] = distance
            within = sum(1 for distance in found.values() if distance <= outer)
            if within >= limit or outer >= radius:
                break
            factor = math.sqrt(PAGE_MARGIN * limit / max(within, 1))
            inner, outer = outer, min(radius, outer * min(8.0, max(2.0, factor)))
        total = len(found)
        if outer < radius and total <= COUNT_CAP:
            rest, more = _count_between(
                sql, outer + EPSILON_MILES, radius, miles, found, cap=COUNT_CAP - total
            )
            total += rest
        more = total > COUNT_CAP
    nearest = heapq.nsmallest(limit, ((distance, i) for i, distance in found.items()))
    if more:
        return _Circle(nearest, COUNT_CAP, dict.fromkeys(sql.names, 0), more=True)
    relaxed, relaxed_more = dict.fromkeys(sql.names, 0), False
    if not total and sql.conditions:
        relaxed, relaxed_more = _near_misses(sql, miles)
    return _Circle(nearest, total, relaxed, relaxed_more=relaxed_more)


def _edge_key(radius: float) -> tuple[str, list[Any]]:
    """NULL for an entry surely within `radius` (to be counted), else its id (to be measured
    in Python): those within EPSILON_MILES of the edge."""
    return "CASE WHEN haversine <= %s THEN NULL ELSE id END", [_within(radius - EPSILON_MILES)]


def _count_between(
    sql: _Sql,
    low: float,
    radius: float,
    miles: Callable[[float, float], float],
    seen: dict[int, float] | set[int],
    known_empty: float = 0.0,
    cap: int = COUNT_CAP,
) -> tuple[int, bool]:
    """How many entries pass every filter with a distance (in SQL) above `low` and (exactly,
    in Python) at most `radius`, `seen` ones aside; and whether there are more than `cap`
    (the count then stops past it). One read: the database counts the ones surely inside and
    gives the few near the edge one by one, to be measured here."""
    key, key_params = _edge_key(radius)
    read = max(cap, 0) + 1
    while True:
        statement, params = sql.near(
            [sql.column(name) for name in ["id", "latitude", "longitude"]],
            radius + 2 * EPSILON_MILES,
            low,
            radius + EPSILON_MILES,
            known_empty=known_empty,
            tail=f" LIMIT {int(read)}",
        )
        grouped = (
            f"SELECT {key} AS edge, MIN(latitude), MIN(longitude), COUNT(*) "  # noqa: S608
            f"FROM ({statement}) AS near GROUP BY 1"
        )
        count, rows = 0, 0
        for entry_id, lat, lon, entries in sql.run(grouped, [*key_params, *params]):
            rows += entries
            if entry_id is None:
                count += entries
            elif entry_id not in seen and miles(lat, lon) <= radius:
                count += 1
        # Entries near the edge that lie outside do not count: read on until past the cap.
        if rows < read or count > cap:
            return int(count), rows >= read
        read *= 2


def _near_misses(sql: _Sql, miles: Callable[[float, float], float]) -> tuple[dict[str, int], bool]:
    """Per filter, the entries in the circle that fail that one only, and whether the counts
    are floors: one read of the box, each entry with a number whose bits say which filters it
    fails; the database counts them by that number (up to COUNT_CAP near misses in all), and
    gives those near the edge one by one, to be measured here."""
    radius = sql.query.radius
    failing, failing_params = sql.failing()
    single = ", ".join(str(bit) for bit in sql.bits.values())
    name_of = {bit: name for name, bit in sql.bits.items()}
    key, key_params = _edge_key(radius)
    statement, params = sql.near(
        [f"{failing} AS failing", *map(sql.column, ["id", "latitude", "longitude"])],
        radius + 2 * EPSILON_MILES,
        None,
        radius + EPSILON_MILES,
        filtered=False,
        tail=f" LIMIT {COUNT_CAP + 1}",
        also=f" AND failing IN ({single})",
    )
    grouped = (
        f"SELECT failing, {key} AS edge, MIN(latitude), MIN(longitude), COUNT(*) "  # noqa: S608
        f"FROM ({statement}) AS near GROUP BY 1, 2"
    )
    relaxed = dict.fromkeys(sql.names, 0)
    rows = 0
    for mask, entry_id, lat, lon, entries in sql.run(
        grouped, [*key_params, *failing_params, *params]
    ):
        rows += entries
        if entry_id is None:
            relaxed[name_of[mask]] += entries
        elif miles(lat, lon) <= radius:
            relaxed[name_of[mask]] += 1
    return relaxed, rows > COUNT_CAP


def _whole_circle(sql: _Sql, clock: _Clock, limit: int) -> _Circle:
    """The matches in the circle: one read of the entries in its box that pass the filters.
    When there is none, a second read tells for each entry which filters it fails, one bit
    each: the entries that fail one filter only are what removing that filter would add."""
    query = sql.query
    assert query.place is not None
    box = Box.around(query.place.latitude, query.place.longitude, query.radius)
    base, box_params = sql.box(box)
    names = ["id", "latitude", "longitude"] + (OPEN_COLUMNS if query.open_now else [])
    miles = _distances(query.place)
    radius, open_now = query.radius, query.open_now
    open_bit = sql.bits.get("open_now", 0)
    found: list[tuple[float, int]] = []
    if sql.conditions:
        where, params = sql.where(base, box_params, filtered=True)
        for row in sql.run(sql.select(sql.columns(names), where), params):
            distance = miles(row[1], row[2])
            if distance > radius:
                continue
            if open_now and not clock.is_open(row[3], row[4], row[5]):
                continue
            found.append((distance, row[0]))
        if found:
            return _Circle(heapq.nsmallest(limit, found), len(found), dict.fromkeys(sql.names, 0))
    where, params = sql.where(base, box_params, filtered=False)
    select = sql.columns(names)
    if sql.conditions:
        failing, failing_params = sql.failing()
        select = f"{select}, {failing} AS failing"
        params = failing_params + params
    statement = sql.select(select, where)
    if len(sql.conditions) > 1:
        # Entries that fail two filters or more are neither matches nor near misses.
        statement = sql.at_most_one_failing(statement)
    near_misses: list[tuple[int, tuple[Any, ...]]] = []
    for row in sql.run(statement, params):
        mask = row[-1] if sql.conditions else 0
        if mask:
            if not mask & (mask - 1):
                near_misses.append((mask, row))
            continue
        distance = miles(row[1], row[2])
        if distance > radius:
            continue
        if open_now and not clock.is_open(row[3], row[4], row[5]):
            near_misses.append((open_bit, row))
            continue
        found.append((distance, row[0]))
    relaxed = dict.fromkeys(sql.names, 0)
    if not found:
        name_of = {bit: name for name, bit in sql.bits.items()}
        for mask, row in near_misses:
            if mask != open_bit:
                if miles(row[1], row[2]) > radius:
                    continue
                if open_now and not clock.is_open(row[3], row[4], row[5]):
                    continue  # fails "open now" too
            relaxed[name_of[mask]] += 1
    return _Circle(heapq.nsmallest(limit, found), len(found), relaxed)


def _count(sql: _Sql, radius: float, clock: _Clock, known_empty: float) -> tuple[int, bool]:
    """How many entries within `radius` pass every filter, none lying within `known_empty`,
    and whether there are more than COUNT_CAP (the count then stops past it; with "open
    now", every match is counted)."""
    query = sql.query
    assert query.place is not None
    if not query.open_now:
        # Nothing lies within `known_empty`: the database counts from there.
        miles = _distances(query.place)
        return _count_between(sql, known_empty - EPSILON_MILES, radius, miles, set(), known_empty)
    box = Box.around(query.place.latitude, query.place.longitude, radius, known_empty)
    base, params = sql.box(box)
    where, params = sql.where(base, params, filtered=True)
    names = ["latitude", "longitude"] + (OPEN_COLUMNS if query.open_now else [])
    rows = sql.run(sql.select(sql.columns(names), where), params)
    miles = _distances(query.place)
    count = 0
    for row in rows:
        if miles(row[0], row[1]) > radius:
            continue
        if query.open_now and not clock.is_open(row[2], row[3], row[4]):
            continue
        count += 1
    return count, False


def _national(sql: _Sql, limit: int, clock: _Clock) -> list[int]:
    """The national and virtual entries that pass the filters, in name order."""
    query = sql.query
    # "cell IS NULL" reaches the few national rows through an index; a bare boolean column
    # in SQLite's WHERE does not.
    where, params = sql.where(
        [f"{sql.column('cell')} IS NULL", f"{sql.column('national')} = %s"], [True], filtered=True
    )
    names = ["id"] + (OPEN_COLUMNS if query.open_now else [])
    order = sql.columns(["organization_name", "service_name"])
    tail = f" ORDER BY {order} LIMIT {max(int(limit), 0)}"
    rows = sql.run(sql.select(sql.columns(names), where, tail), params)
    return [row[0] for row in rows if not query.open_now or clock.is_open(row[1], row[2], row[3])]


def search(query: Query, limit: int = 50, now: dt.datetime | None = None) -> Results:
    clock = _Clock(now or timezone.now())
    sql = _Sql(query, connections[router.db_for_read(SearchEntry)])
    total, suggestions, more = 0, [], False
    nearest: dict[int, float] = {}
    if query.place is not None:
        circle = _circle(sql, clock, limit)
        total, more = circle.total, circle.more
        nearest = {entry_id: miles for miles, entry_id in circle.nearest}
        if total == 0:
            suggestions = _suggestions(sql, circle, clock)
    national_ids = _national(sql, limit, clock)
    # Every column only for the rows shown, in one query.
    entries = {
        entry["id"]: entry
        for entry in SearchEntry.objects.filter(id__in=[*nearest, *national_ids]).values(*FIELDS)
    }
    reasons = _Reasons(query)
    local = [
        Hit(entries[entry_id], miles, reasons(entries[entry_id], miles))
        for entry_id, miles in sorted(nearest.items(), key=lambda pair: (pair[1], pair[0]))
    ]
    national = [Hit(entries[i], None, reasons(entries[i], None)) for i in national_ids]
    return Results(query, local, national, total, suggestions, local_more=more)


def _suggestions(sql: _Sql, circle: _Circle, clock: _Clock) -> list[Suggestion]:
    """What to relax, and how many results each change would give: per filter, the entries in
    the circle that fail only that one; then the next wider radius that finds anything."""
    query = sql.query
    out = []
    for name, count in circle.relaxed.items():
        if count:
            label = _("Remove the filter %s") % filter_label(query, name)
            more = circle.relaxed_more
            out.append(Suggestion(name, label, min(count, COUNT_CAP) if more else count, more))
    known_empty = query.radius
    for radius in [r for r in RADIUS_CHOICES if r > query.radius][:2]:
        # Nothing within the last radius matched: its inner squares need no second look.
        count, more = _count(sql, radius, clock, known_empty)
        if count:
            label = _("Widen the radius to %d miles") % radius
            out.append(Suggestion("radius", label, min(count, COUNT_CAP), more))
            break
        known_empty = radius
    return sorted(out, key=lambda s: -s.count)


def service_ids(results: Results) -> set[UUID]:
    return {hit.entry["service_id"] for hit in [*results.local, *results.national]}
