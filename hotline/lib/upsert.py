"""Counters kept in one row each, advanced with one upsert (INSERT ... ON CONFLICT DO UPDATE).

The ORM cannot say "add one, or start at one, and give me the new value" in one statement: it
would lock, read and save, three round trips while SQLite's write lock is held. A vendor feature
of both databases, so hand-written here (docs/decisions/0005-hand-written-sql.md); names are
quoted by the backend and every value is a parameter.
"""

from typing import Any

from django.db import connection, models, transaction


def increment(
    model: type[models.Model], pk: Any, field: str, read: list[str], **defaults: Any
) -> tuple[Any, ...]:
    """Add one to `field` of the row `pk` (a new row starts at 1, with `defaults`) and return
    the fields `read` of the row as it now is. The row stays locked until the transaction ends,
    so two transactions never get the same number."""
    meta, quote = model._meta, connection.ops.quote_name
    table = quote(meta.db_table)

    def column(name: str) -> str:
        found = meta.pk if name == "pk" else meta.get_field(name)
        assert isinstance(found, models.Field) and found.column
        return quote(found.column)

    key, counter = column("pk"), column(field)
    columns = ", ".join([key, counter, *(column(name) for name in defaults)])
    placeholders = ", ".join(["%s"] * (2 + len(defaults)))
    returned = ", ".join(column(name) for name in read)
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "  # noqa: S608
        f"ON CONFLICT ({key}) DO UPDATE SET {counter} = {table}.{counter} + 1 "
        f"RETURNING {returned}"
    )
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(sql, [pk, 1, *defaults.values()])
        return tuple(cursor.fetchone())
