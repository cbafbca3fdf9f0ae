"""Hand-written SQL for loading the directory in bulk: the HSDS importer's inserts and checks
and the search index's reads. Everything else in the directory goes through the ORM.

Table and column names written into a statement come from the models, never from the input;
every value travels as a parameter (or, for our own integers, is written as an `int`).
"""

import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from itertools import repeat
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q

SQLITE_CACHE_KIB = 65536
ID_STEP = 900  # ids per IN list: under SQLite's default limit of 999 parameters


def quote_table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def model_column(model: type[models.Model], attname: str) -> models.Field[Any, Any]:
    return next(column for column in model._meta.concrete_fields if column.attname == attname)


# --- Ids ----------------------------------------------------------------------------------------


def text_id(value: Any) -> str:
    """A uuid as the database returns it (a UUID, or 32 hex digits on SQLite) as HSDS text."""
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(value))


def db_id(value: "str | uuid.UUID") -> Any:
    """A uuid as the database compares it in raw SQL."""
    if connection.features.has_native_uuid_field:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(value)
    return value.hex if isinstance(value, uuid.UUID) else value.replace("-", "")


def read_id(value: uuid.UUID) -> str:
    """An id as `text_id_cursor` reads it."""
    return str(value) if connection.vendor == "postgresql" else value.hex


@contextmanager
def text_id_cursor() -> Iterator[Any]:
    """A cursor that reads ids as text: on PostgreSQL, a UUID object per value costs more than
    the rest of the index (and hashing them as dictionary keys again)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            from psycopg.types.string import TextLoader

            cursor.cursor.adapters.register_loader("uuid", TextLoader)
        yield cursor


# --- Settings for a bulk load -------------------------------------------------------------------


@contextmanager
def bulk_cache() -> Iterator[None]:
    """On SQLite, a page cache of 64 MiB instead of 2 while importing: rows land all over the
    tables' id indexes, and with the small cache every other insert reads a page back."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute(f"PRAGMA cache_size = -{int(SQLITE_CACHE_KIB)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


@contextmanager
def indexes_set_aside(model: type[models.Model], large: bool) -> Iterator[None]:
    """On SQLite, filling a large empty table is faster without its secondary indexes, made
    again once it is filled (inside the transaction: readers keep their snapshot; on PostgreSQL
    dropping an index would make them wait). Not an index on a column naming the table's own
    rows: SQLite uses that one to check them."""
    if not large or connection.vendor != "sqlite":
        yield
        return
    table = model._meta.db_table
    own = {
        column.column
        for column in model._meta.concrete_fields
        if isinstance(column, models.ForeignKey) and column.related_model is model
    }
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
        names = [
            name
            for name, constraint in constraints.items()
            if constraint["index"]
            and not constraint["unique"]
            and not constraint["primary_key"]
            and not own & set(constraint["columns"])
        ]
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s",
            [table],
        )
        statements = [sql for name, sql in cursor.fetchall() if name in names and sql]
        for name in names:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


# --- Inserting ----------------------------------------------------------------------------------

Converter = Callable[[Sequence[Any]], Sequence[Any]]


def inserter(
    model: type[models.Model], attnames: Sequence[str], ready: Iterable[str] = ()
) -> Callable[[list[Sequence[Any]]], None]:
    """Inserts new rows given column by column, one column per model attribute named (the
    other columns get their defaults; `ready` ones are given in the database's form already):
    on PostgreSQL with COPY, elsewhere with one `executemany` of a prepared INSERT. What
    `bulk_create` would do per value is decided once per column and done a column at a time."""
    ops, features = connection.ops, connection.features
    copy = connection.vendor == "postgresql"
    ready = set(ready)
    given = [model_column(model, name) for name in attnames]
    rest = [
        column
        for column in model._meta.concrete_fields
        if column.attname not in attnames
        and not isinstance(column, models.AutoField | models.BigAutoField)
    ]
    converters = [
        None if column.attname in ready else _converter(column, ops, features, copy)
        for column in given
    ]
    tail = []
    for column in rest:
        default, convert = column.get_default(), _converter(column, ops, features, copy)
        tail.append(default if convert is None or default is None else convert([default])[0])
    quote = ops.quote_name
    names = "{} ({})".format(
        quote_table(model),
        ", ".join(quote(column.column) for column in [*given, *rest]),
    )
    sql = f"INSERT INTO {names} VALUES ({', '.join(['%s'] * (len(given) + len(rest)))})"  # noqa: S608

    def insert(columns: list[Sequence[Any]]) -> None:
        size = len(columns[0])
        rows = zip(
            *(
                column if convert is None else convert(column)
                for column, convert in zip(columns, converters, strict=True)
            ),
            *(repeat(default, size) for default in tail),
            strict=True,
        )
        with connection.cursor() as cursor, connection.wrap_database_errors:
            if copy:
                with cursor.cursor.copy(f"COPY {names} FROM STDIN") as stream:
                    for row in rows:
                        stream.write_row(row)
            else:
                cursor.cursor.executemany(sql, rows)

    return insert


def _converter(column: Any, ops: Any, features: Any, copy: bool) -> Converter | None:
    """How a column of model values becomes the database's, or None when they need nothing."""
    target = column.target_field if isinstance(column, models.ForeignKey) else column
    if isinstance(column, models.JSONField):
        encoder = column.encoder
        return lambda values: [
            value if value is None else json.dumps(value, cls=encoder) for value in values
        ]
    if copy:
        return None  # COPY takes text, UUID, date and time values as they are
    if isinstance(target, models.UUIDField) and not features.has_native_uuid_field:
        return _hex
    for kind, adapt in [
        (models.DateTimeField, ops.adapt_datetimefield_value),
        (models.DateField, ops.adapt_datefield_value),
        (models.TimeField, ops.adapt_timefield_value),
    ]:
        if isinstance(column, kind):
            return partial(_adapt, adapt)
    return None


def _adapt(adapt: Callable[[Any], Any], values: Sequence[Any]) -> list[Any]:
    # A text value is already in the database's form (read back from it).
    return [value if value is None or isinstance(value, str) else adapt(value) for value in values]


def _hex(values: Sequence[Any]) -> list[Any]:
    """UUIDs as SQLite stores them: 32 hex digits."""
    return [
        value.replace("-", "") if type(value) is str else value if value is None else value.hex
        for value in values
    ]


# --- Checks while importing ---------------------------------------------------------------------


def has_rows(model: type[models.Model]) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM {quote_table(model)} LIMIT 1")  # noqa: S608
        return cursor.fetchone() is not None


def existing_ids(model: type[models.Model], ids: list[str]) -> set[str]:
    """Which of these ids the table already has."""
    found: set[str] = set()
    table = quote_table(model)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), ID_STEP):
            chunk = ids[start : start + ID_STEP]
            cursor.execute(
                f"SELECT id FROM {table} WHERE id IN ({', '.join(['%s'] * len(chunk))})",  # noqa: S608
                [db_id(pk) for pk in chunk],
            )
            found.update(text_id(pk) for (pk,) in cursor.fetchall())
    return found


def foreign_keys_hold() -> bool:
    """On PostgreSQL, whether every foreign key holds, checked by the database now rather than
    at commit (the same work, done once). False elsewhere: SQLite has no such statement."""
    if connection.vendor != "postgresql":
        return False
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        return True
    except IntegrityError:
        return False
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def dangling(
    model: type[models.Model], attname: str, target: type[models.Model], limit: int
) -> list[str]:
    """Distinct values of a foreign key that name no row of the target table (at most
    `limit`)."""
    column = connection.ops.quote_name(model_column(model, attname).column)
    sql = (
        f"SELECT DISTINCT c.{column} FROM {quote_table(model)} c "  # noqa: S608
        f"WHERE c.{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
        f"{quote_table(target)} p WHERE p.id = c.{column}) LIMIT {int(limit)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [text_id(value) for (value,) in cursor.fetchall()]


def dangling_links(
    attribute: type[models.Model], targets: dict[str, type[models.Model]], limit: int
) -> list[tuple[str, str]]:
    """(table, id) of attributes whose link_id names no row of the table named by link_entity
    (`targets`: table name -> model; at most `limit`)."""
    tests = " OR ".join(
        f"(a.link_entity = %s AND NOT EXISTS (SELECT 1 FROM {quote_table(model)}"  # noqa: S608
        " p WHERE p.id = a.link_id))"
        for model in targets.values()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT a.link_entity, a.link_id FROM {quote_table(attribute)} a "  # noqa: S608
            f"WHERE {tests} LIMIT {int(limit)}",
            list(targets),
        )
        return [(entity, text_id(value)) for entity, value in cursor.fetchall()]


# --- The search index's reads -------------------------------------------------------------------


@dataclass(frozen=True)
class Services:
    """A set of services, by id: a range (`low` <= id < `high`, `high` None for no end) or a
    list. It writes itself as a condition on a column, and as an ORM filter on a field."""

    low: Any = None
    high: Any = None
    ids: tuple[Any, ...] | None = None

    def sql(self, column: str) -> tuple[str, list[Any]]:
        if self.ids is not None:
            return f"{column} IN ({', '.join(['%s'] * len(self.ids))})", list(self.ids)
        if self.high is None:
            return f"{column} >= %s", [self.low]
        return f"{column} >= %s AND {column} < %s", [self.low, self.high]

    def q(self, field: str) -> Q:
        if self.ids is not None:
            return Q(**{f"{field}__in": list(self.ids)})
        if self.high is None:
            return Q(**{f"{field}__gte": self.low})
        return Q(**{f"{field}__gte": self.low, f"{field}__lt": self.high})


def all_ids(model: type[models.Model]) -> list[Any]:
    """Every id of a table, in order, as the database compares them."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {quote_table(model)} ORDER BY id")  # noqa: S608
        return [db_id(pk) for (pk,) in cursor.fetchall()]


def _rows(sql: str, services: Services, column: str, repeat_condition: int = 1) -> list[Any]:
    where, params = services.sql(column)
    with text_id_cursor() as cursor:
        cursor.execute(sql.format(where=where), params * repeat_condition)
        return cursor.fetchall()


class IndexReads:
    """The rows the search index is built from, for a set of services: one query per table,
    raw rows (no model instances), ids read as text. Each method's docstring names its
    columns, in order."""

    def __init__(self, tables: dict[str, type[models.Model]]) -> None:
        self.t = {name: quote_table(model) for name, model in tables.items()}

    def _locations_of(self) -> str:
        return f"SELECT sal.location_id FROM {self.t['service_at_location']} sal WHERE {{where}}"  # noqa: S608

    def services(self, services: Services) -> list[Any]:
        """id, name, alternate_name, description, status, organization_id, organization name,
        organization alternate_name, listing_status, last_verified_at."""
        return _rows(
            "SELECT s.id, s.name, s.alternate_name, s.description, s.status, "  # noqa: S608
            "s.organization_id, o.name, o.alternate_name, o.listing_status, o.last_verified_at "
            f"FROM {self.t['service']} s JOIN {self.t['organization']} o "
            "ON o.id = s.organization_id WHERE {where}",
            services,
            "s.id",
        )

    def places(self, services: Services) -> list[Any]:
        """service_at_location id, service_id, location id, location_type, latitude,
        longitude, confidential."""
        return _rows(
            "SELECT sal.id, sal.service_id, l.id, l.location_type, l.latitude, l.longitude, "  # noqa: S608
            "l.confidential "
            f"FROM {self.t['service_at_location']} sal JOIN {self.t['location']} l "
            "ON l.id = sal.location_id WHERE {where}",
            services,
            "sal.service_id",
        )

    def addresses(self, services: Services) -> list[Any]:
        """location_id, city, state_province, postal_code, address_type."""
        return _rows(
            "SELECT location_id, city, state_province, postal_code, address_type "  # noqa: S608
            f"FROM {self.t['address']} WHERE location_id IN ({self._locations_of()})",
            services,
            "sal.service_id",
        )

    def attributes(self, services: Services) -> list[Any]:
        """link_id, taxonomy_term_id, term name: of the services, their organizations and
        their locations."""
        service = self.t["service"]
        links = (
            f"SELECT s.id FROM {service} s WHERE {{where_s}} "  # noqa: S608
            f"UNION SELECT s.organization_id FROM {service} s WHERE {{where_s}} "
            f"UNION {self._locations_of().format(where='{where_sal}')}"
        )
        where_s, params = services.sql("s.id")
        where_sal, _ = services.sql("sal.service_id")
        with text_id_cursor() as cursor:
            cursor.execute(
                "SELECT a.link_id, a.taxonomy_term_id, t.name "  # noqa: S608
                f"FROM {self.t['attribute']} a LEFT JOIN {self.t['taxonomy_term']} t "
                "ON t.id = a.taxonomy_term_id "
                f"WHERE a.link_id IN ({links.format(where_s=where_s, where_sal=where_sal)})",
                params * 3,
            )
            return cursor.fetchall()

    def languages(self, services: Services) -> list[Any]:
        """service_id, code."""
        return _rows(
            f"SELECT service_id, code FROM {self.t['language']} WHERE {{where}}",  # noqa: S608
            services,
            "service_id",
        )

    def schedules(self, services: Services) -> list[Any]:
        """service_id, byday, opens_at, closes_at."""
        return _rows(
            "SELECT service_id, byday, opens_at, closes_at "  # noqa: S608
            f"FROM {self.t['schedule']} WHERE {{where}}",
            services,
            "service_id",
        )

    def service_areas(self, services: Services) -> list[Any]:
        """service_id, name, extent."""
        return _rows(
            f"SELECT service_id, name, extent FROM {self.t['service_area']} WHERE {{where}}",  # noqa: S608
            services,
            "service_id",
        )
