"""Offline geography: US ZIP and city centroids from the `zipcodes` package, and distances.

No request ever leaves the server to geocode: a caller's location must not be sent to anyone.
"""

import math
from dataclasses import dataclass
from functools import cache

EARTH_RADIUS_MILES = 3958.8
MILES_PER_DEGREE_LAT = 69.0
METERS_PER_MILE = 1609.344


@dataclass(frozen=True)
class Place:
    latitude: float
    longitude: float
    city: str
    state: str
    postal_code: str = ""
    time_zone: str = ""

    @property
    def label(self) -> str:
        return " ".join(part for part in [f"{self.city}, {self.state}", self.postal_code] if part)


@cache
def _zip_index() -> dict[str, Place]:
    import zipcodes

    index = {}
    # A prefix at a time, not `list_all()`: that keeps all 42,000 rows as dicts for the life of
    # the process (about 130 MB); these are let go as soon as they are read.
    rows = (row for prefix in range(100) for row in zipcodes.similar_to(f"{prefix:02d}"))
    for row in rows:
        if not row.get("lat") or not row.get("long"):
            continue
        index[row["zip_code"]] = Place(
            float(row["lat"]),
            float(row["long"]),
            row["city"].title() if row["city"].isupper() else row["city"],
            row["state"],
            row["zip_code"],
            row.get("timezone") or "",
        )
    return index


@cache
def _city_index() -> dict[tuple[str, str], Place]:
    """The mean of a city's ZIP centroids, by (lower-case city, state)."""
    sums: dict[tuple[str, str], list[float]] = {}
    names: dict[tuple[str, str], Place] = {}
    for place in _zip_index().values():
        key = (place.city.lower(), place.state)
        total = sums.setdefault(key, [0.0, 0.0, 0.0])
        total[0] += place.latitude
        total[1] += place.longitude
        total[2] += 1
        names.setdefault(key, place)
    return {
        key: Place(
            lat / count, lon / count, names[key].city, names[key].state, "", names[key].time_zone
        )
        for key, (lat, lon, count) in sums.items()
    }


def zip_place(postal_code: str) -> Place | None:
    return _zip_index().get(postal_code.strip()[:5])


def city_place(city: str, state: str) -> Place | None:
    return _city_index().get((" ".join(city.lower().split()), state.strip().upper()))


def all_zips() -> list[Place]:
    return sorted(_zip_index().values(), key=lambda place: place.postal_code)


@cache
def _state_time_zones() -> dict[str, str]:
    counts: dict[str, dict[str, int]] = {}
    for place in _zip_index().values():
        if place.time_zone:
            zones = counts.setdefault(place.state, {})
            zones[place.time_zone] = zones.get(place.time_zone, 0) + 1
    return {state: max(zones, key=zones.__getitem__) for state, zones in counts.items()}


def time_zone_for(postal_code: str, state: str) -> str:
    """The ZIP's time zone, else the state's most common one (good enough for opening hours)."""
    place = zip_place(postal_code) if postal_code else None
    if place and place.time_zone:
        return place.time_zone
    return _state_time_zones().get(state.strip().upper(), "")


def miles_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * math.asin(min(1.0, math.sqrt(a)))


CELL_DEGREES = 0.5  # about 35 miles of latitude


def cell(latitude: float, longitude: float) -> int:
    """The grid square a point lies in, as one indexed integer."""
    row = math.floor((latitude + 90) / CELL_DEGREES)
    column = math.floor((longitude + 180) / CELL_DEGREES)
    return row * 1000 + column


def cells(latitude: float, longitude: float, lat_delta: float, lon_delta: float) -> list[int]:
    """Every grid square that meets the box (the box does not wrap around the antimeridian)."""
    low = cell(max(-90.0, latitude - lat_delta), max(-180.0, longitude - lon_delta))
    high = cell(min(89.999, latitude + lat_delta), min(179.999, longitude + lon_delta))
    return [
        row * 1000 + column
        for row in range(low // 1000, high // 1000 + 1)
        for column in range(low % 1000, high % 1000 + 1)
    ]


def bounding_box(latitude: float, longitude: float, miles: float) -> tuple[float, float]:
    """Half-height and half-width in degrees of a box that holds the circle."""
    lat_delta = miles / MILES_PER_DEGREE_LAT
    cos_lat = max(math.cos(math.radians(min(89.0, abs(latitude) + lat_delta))), 0.01)
    return lat_delta, min(180.0, lat_delta / cos_lat)
