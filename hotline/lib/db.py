"""Transactions that need less than the default guarantees, and statements written once per
model instead of compiled by the ORM at every call.

On the hottest path (a contact received through the API: about ten statements, most of them
while SQLite's single write lock is held) compiling a statement cost several times more than
running it. `increment`, `insert` and `update` build theirs from the model's metadata once per
process; names are quoted by the database backend and every value is a parameter.
"""

import functools
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import connection, models, transaction

M = TypeVar("M", bound=models.Model)
Field = models.Field[Any, Any]


@contextmanager
def non_durable_atomic() -> Iterator[None]:
    """A transaction whose commit does not wait for the disk (no fsync).

    For records that are worthless without a later, durable transaction of the same request, such
    as an idempotency lease. A crash of the process never loses the commit; a power cut may lose
    it, and with it nothing that was acknowledged: every later durable commit flushes it too
    (SQLite's WAL and PostgreSQL's log are written in order). Outermost only, like
    `atomic(durable=True)`; inside a test case's transaction that one's commit decides.
    """
    if connection.in_atomic_block:
        with transaction.atomic(durable=True):  # raises unless the outer block is a test case's
            yield
    elif connection.vendor == "sqlite":
        connection.flush_commits = False  # type: ignore[attr-defined] # see hotline.lib.sqlite
        try:
            with transaction.atomic(durable=True):
                yield
        finally:
            connection.flush_commits = True  # type: ignore[attr-defined]
    else:
        with transaction.atomic(durable=True):
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
            yield


def increment(
    model: type[models.Model], pk: Any, field: str, read: Sequence[str], **defaults: Any
) -> tuple[Any, ...]:
    """Add one to `field` of the row `pk` (a new row starts at 1, with `defaults`) and return
    the fields `read` of the row as it now is. The row stays locked until the transaction
    ends, so two transactions never get the same number. One upsert, on SQLite and PostgreSQL
    alike (the ORM would lock, read and save)."""
    upsert, select = _increment_statements(
        model, field, tuple(read), tuple(defaults), connection.vendor
    )
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(upsert, [pk, 1, *defaults.values()])
        if select:  # SQLite before 3.35 returns nothing from an upsert
            cursor.execute(select, [pk])
        return tuple(cursor.fetchone())


def insert(obj: models.Model) -> None:
    """Save a new object with one INSERT, as `obj.save(force_insert=True)` does. No model
    signals are sent and the model's own `save()` is not called: only for models that rely on
    neither."""
    sql, fields, returning = _insert_statement(type(obj), connection.vendor)
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        if returning:
            obj.pk = cursor.fetchone()[0]
        elif type(obj)._meta.auto_field is not None:  # SQLite before 3.35
            obj.pk = cursor.lastrowid
    obj._state.adding, obj._state.db = False, connection.alias


def update(model: type[models.Model], where: dict[str, Any], **values: Any) -> int:
    """`model.objects.filter(**where).update(**values)` for equality filters and plain values,
    by attribute name (`contact_id`, not `contact`; `pk` in `where`). Returns the number of
    rows changed."""
    sql, set_fields, where_fields = _update_statement(
        model, tuple(values), tuple(where), connection.vendor
    )
    params = [f.get_db_prep_save(values[f.attname], connection) for f in set_fields]
    params += [
        f.get_db_prep_value(value, connection)
        for f, value in zip(where_fields, where.values(), strict=True)
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def partial(model: type[M], **values: Any) -> M:
    """An instance of `model` from some of its stored values (by attribute name), as the ORM's
    `only()` makes one: the fields not given load from the database on first use, and `save()`
    writes only the fields given."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[name] for name in names])


# The statements, once per model, names and database vendor (the cache's last argument).


def _field(model: type[models.Model], name: str) -> Field:
    meta = model._meta
    return meta.pk if name == "pk" else meta.get_field(name)  # type: ignore[return-value]


def _columns(fields: Iterable[Field], template: str = "{}", separator: str = ", ") -> str:
    quote = connection.ops.quote_name
    return separator.join(template.format(quote(f.column)) for f in fields)


@functools.cache
def _increment_statements(
    model: type[models.Model], field: str, read: tuple[str, ...], defaults: tuple[str, ...], _: str
) -> tuple[str, str]:
    table, quote = connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name
    key, counter = _field(model, "pk"), _field(model, field)
    columns = _columns([key, counter, *(_field(model, name) for name in defaults)])
    plus_one = f"{quote(counter.column)} = {table}.{quote(counter.column)} + 1"
    upsert = (
        f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * (2 + len(defaults)))}) "  # noqa: S608
        f"ON CONFLICT ({quote(key.column)}) DO UPDATE SET {plus_one}"
    )
    returned = _columns(_field(model, name) for name in read)
    if connection.features.can_return_columns_from_insert:
        return f"{upsert} RETURNING {returned}", ""
    return upsert, f"SELECT {returned} FROM {table} WHERE {quote(key.column)} = %s"  # noqa: S608


@functools.cache
def _insert_statement(model: type[models.Model], _: str) -> tuple[str, list[Field], bool]:
    meta = model._meta
    if meta.parents:
        raise TypeError(f"{meta.label} inherits from another model: use save().")
    fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field]
    sql = (
        f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({_columns(fields)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(fields))})"
    )
    returning = meta.auto_field is not None and connection.features.can_return_columns_from_insert
    if returning:
        sql += f" RETURNING {_columns([meta.auto_field])}"  # type: ignore[list-item]
    return sql, fields, returning


@functools.cache
def _update_statement(
    model: type[models.Model], names: tuple[str, ...], where: tuple[str, ...], _: str
) -> tuple[str, list[Field], list[Field]]:
    set_fields = [_field(model, name) for name in names]
    where_fields = [_field(model, name) for name in where]
    sql = (
        f"UPDATE {connection.ops.quote_name(model._meta.db_table)} "  # noqa: S608
        f"SET {_columns(set_fields, '{} = %s')} "
        f"WHERE {_columns(where_fields, '{} = %s', ' AND ')}"
    )
    return sql, set_fields, where_fields
