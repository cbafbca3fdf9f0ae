"""The one description of "the search entries in a box around a point": the indexed grid
squares that meet the box, then the box itself. Search writes it as SQL (`Box.sql`), the HSDS
API as an ORM filter (`Box.q`); both come from `Box.around`."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from hotline.directory import geo

MARGIN_MILES = 0.1  # float rounding at a square's edge is far below this


def squares_inside(
    latitude: float, longitude: float, miles: float, squares: Iterable[int]
) -> set[int]:
    """The grid squares that lie wholly inside the circle. Along a parallel the distance grows
    with the difference in longitude; along a meridian less than 60 degrees of longitude away
    the haversine of the distance is convex in the latitude. So the farthest point of a square
    is one of its corners, and a square is inside when its four corners are."""
    inside = set()
    for square in squares:
        row, column = divmod(square, 1000)
        south, west = row * geo.CELL_DEGREES - 90, column * geo.CELL_DEGREES - 180
        if all(
            geo.miles_between(latitude, longitude, lat, lon) < miles - MARGIN_MILES
            for lat in (south, south + geo.CELL_DEGREES)
            for lon in (west, west + geo.CELL_DEGREES)
        ):
            inside.add(square)
    return inside


@dataclass(frozen=True)
class Box:
    squares: tuple[int, ...]
    south: float
    north: float
    west: float
    east: float

    @classmethod
    def around(
        cls, latitude: float, longitude: float, miles: float, known_empty: float = 0.0
    ) -> "Box":
        """The box that holds the circle, and the squares that meet it. Squares wholly inside
        a circle already known to hold no match (`known_empty` miles) are left out."""
        lat_delta, lon_delta = geo.bounding_box(latitude, longitude, miles)
        squares = geo.cells(latitude, longitude, lat_delta, lon_delta)
        if known_empty:
            skip = squares_inside(latitude, longitude, known_empty, squares)
            squares = [square for square in squares if square not in skip]
        return cls(
            tuple(squares),
            latitude - lat_delta,
            latitude + lat_delta,
            longitude - lon_delta,
            longitude + lon_delta,
        )

    def q(self) -> Q:
        # National entries have no square and no coordinates, so this leaves them out.
        return Q(
            cell__in=self.squares,
            latitude__gte=self.south,
            latitude__lte=self.north,
            longitude__gte=self.west,
            longitude__lte=self.east,
        )

    def sql(self, column: Callable[[str], str]) -> tuple[list[str], list[Any]]:
        """The same conditions as `q`, written out: `column` quotes a column's name."""
        latitude, longitude = column("latitude"), column("longitude")
        # The squares are our own integers: written inline, they spare a parameter each.
        inline = ", ".join(str(int(square)) for square in self.squares) or "NULL"
        return [
            f"{column('cell')} IN ({inline})",
            f"{latitude} >= %s",
            f"{latitude} <= %s",
            f"{longitude} >= %s",
            f"{longitude} <= %s",
        ], [self.south, self.north, self.west, self.east]
