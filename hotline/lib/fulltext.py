"""Ranked full-text search of staff records (contact narratives, case summaries): SQLite FTS5
or PostgreSQL full-text (tsvector with a GIN index), one index per kind of record.

An index is one table keyed by the record's id: `TextIndex("contacts_narrative")` is the FTS5
table `contacts_narrative_fts` (rowid = id) on SQLite, `contacts_narrative_document`
(id, document, with a GIN index) on PostgreSQL. Its app creates it in a migration
(`create_statements`), keeps it in step on every save and delete (`index`, `unindex`) and asks
`search(text)` for ids, best first.
The tables have no foreign key, as the library's: a caller filters the ids through its models
(visibility, deleted rows), never shows an id the index alone gave.

Both engines stem English and match every word as a prefix; the text is folded to lower case
without accents before it is indexed and before it is asked for. Every word must match; when
that finds nothing, any word. Up to RANK_ALL matches are ranked (bm25 / ts_rank_cd); beyond
that, the newest matches come unranked, so that a word most records hold costs no more than a
rare one.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection
from django.db.backends.utils import CursorWrapper

WORD = re.compile(r"[a-z0-9]+")
MAX_TERMS = 8
# English and Spanish words too common to find anything.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "al",
        "con",
        "de",
        "del",
        "el",
        "en",
        "la",
        "las",
        "lo",
        "los",
        "o",
        "para",
        "por",
        "que",
        "un",
        "una",
        "y",
    ]
)


def fold(text: str) -> str:
    """Lower case without accents: what is indexed and what queries are made of."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def query_terms(text: str) -> list[str]:
    terms = [t for t in dict.fromkeys(WORD.findall(fold(text))) if t not in STOP_WORDS]
    return terms[:MAX_TERMS]


# The statements, with {table} for the index's table name (quoted by the backend); every value
# is a parameter.
SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE {table} USING fts5("
    "body, tokenize = 'porter unicode61 remove_diacritics 2')"
)
SQLITE_INSERT = "INSERT INTO {table} (rowid, body) VALUES (%s, %s)"
SQLITE_DELETE = "DELETE FROM {table} WHERE rowid = %s"
# bm25: lower is better.
SQLITE_MATCH = (
    "SELECT rowid FROM {table} WHERE {table} MATCH %s ORDER BY bm25({table}), rowid DESC LIMIT %s"
)
# Ranking costs time for every match: above RANK_ALL matches (a word most records hold), the
# newest matches are given instead, unranked. Nothing counts all the matches: the newest
# RANK_ALL + 1 tell whether there are more (a count of a common word reads every match).
RANK_ALL = 1000
SQLITE_NEWEST = "SELECT rowid FROM {table} WHERE {table} MATCH %s ORDER BY rowid DESC LIMIT %s"
# A GIN index gives matches in no order: `ORDER BY id DESC LIMIT n` over a word most records
# hold reads every one of them, and the planner guesses a prefix's frequency (`motel:*`) rather
# than knowing it. So the newest FIRST_WINDOW ids are read first, in id order, checking each
# document. A word found in at least one of DENSE of them is common: the next windows, each
# EXPANSION times the last, are read the same way and stop at the limit (a few thousand rows at
# most). A rarer word is looked for in the GIN index for the rest (MATERIALIZED keeps the
# planner from reading the whole table in id order), which is fast because it has few matches.
POSTGRES_LAST_ID = "SELECT max(id) FROM {table}"
# Each window is read in id order, whatever the planner guesses (MATERIALIZED: it must not
# build the index's bitmap of a common word to intersect it with the window), and stops at the
# limit.
POSTGRES_WINDOW = (
    "WITH window_rows AS MATERIALIZED (SELECT id, document FROM {table} "
    "WHERE id > %s AND id <= %s ORDER BY id DESC) "
    "SELECT id FROM window_rows WHERE document @@ to_tsquery('english', %s) LIMIT %s"
)
POSTGRES_OLDER = (
    "WITH found AS MATERIALIZED (SELECT id FROM {table} "
    "WHERE document @@ to_tsquery('english', %s) AND id <= %s) "
    "SELECT id FROM found ORDER BY id DESC LIMIT %s"
)
FIRST_WINDOW, EXPANSION, DENSE = 2000, 8, 20
POSTGRES_CREATE = "CREATE TABLE {table} (id bigint PRIMARY KEY, document tsvector NOT NULL)"
POSTGRES_CREATE_INDEX = "CREATE INDEX {index} ON {table} USING gin (document)"
POSTGRES_INSERT = "INSERT INTO {table} (id, document) VALUES (%s, to_tsvector('english', %s))"
POSTGRES_DELETE = "DELETE FROM {table} WHERE id = ANY(%s)"
POSTGRES_MATCH = (
    "SELECT d.id FROM {table} d, to_tsquery('english', %s) q WHERE d.document @@ q "
    "ORDER BY ts_rank_cd(d.document, q) DESC, d.id DESC LIMIT %s"
)
DROP = "DROP TABLE {table}"
NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class TextIndex:
    name: str

    def __post_init__(self) -> None:
        if not NAME.match(self.name):
            raise ValueError(f"{self.name!r} is not a plain table name")

    def table(self, vendor: str) -> str:
        return f"{self.name}_fts" if vendor == "sqlite" else f"{self.name}_document"

    def sql(self, template: str, vendor: str | None = None) -> str:
        vendor = vendor or connection.vendor
        return template.format(
            table=connection.ops.quote_name(self.table(vendor)),
            index=connection.ops.quote_name(f"{self.table(vendor)}_gin"),
        )

    def create_statements(self, vendor: str) -> list[str]:
        if vendor == "sqlite":
            return [self.sql(SQLITE_CREATE, vendor)]
        return [self.sql(POSTGRES_CREATE, vendor), self.sql(POSTGRES_CREATE_INDEX, vendor)]

    def drop_statements(self, vendor: str) -> list[str]:
        return [self.sql(DROP, vendor)]

    # --- Keeping it in step ---------------------------------------------------------------

    def index(self, rows: Iterable[tuple[int, str]]) -> None:
        """(Re)index these (id, text) rows; an empty text leaves the record out."""
        rows = list(rows)
        if not rows:
            return
        with connection.cursor() as cursor:
            self._delete(cursor, [pk for pk, _text in rows])
            kept = [(pk, fold(text)) for pk, text in rows if (text or "").strip()]
            if kept:
                sqlite = connection.vendor == "sqlite"
                cursor.executemany(self.sql(SQLITE_INSERT if sqlite else POSTGRES_INSERT), kept)

    def unindex(self, ids: Iterable[int]) -> None:
        ids = list(ids)
        if ids:
            with connection.cursor() as cursor:
                self._delete(cursor, ids)

    def _delete(self, cursor: CursorWrapper, ids: Sequence[int]) -> None:
        if connection.vendor == "sqlite":
            cursor.executemany(self.sql(SQLITE_DELETE), [(pk,) for pk in ids])
        else:
            cursor.execute(self.sql(POSTGRES_DELETE), [list(ids)])

    # --- Asking ---------------------------------------------------------------------------

    def search(self, text: str, *, limit: int = 50) -> list[int]:
        """Ids of the records matching every word of `text` (else any word), best first."""
        terms = query_terms(text)
        if not terms:
            return []
        with connection.cursor() as cursor:
            found = self._match(cursor, terms, "AND", limit)
            if not found and len(terms) > 1:
                found = self._match(cursor, terms, "OR", limit)
        return found

    def _match(
        self, cursor: CursorWrapper, terms: list[str], conjunction: str, limit: int
    ) -> list[int]:
        # Terms are [a-z0-9]+ only: quoting them cannot change the query's syntax.
        if connection.vendor == "sqlite":
            expression = f" {conjunction} ".join(f'"{term}"*' for term in terms)
        else:
            operator = " & " if conjunction == "AND" else " | "
            expression = operator.join(f"{term}:*" for term in terms)
        # The newest RANK_ALL + 1 matches say whether there are few enough to rank.
        newest = self._newest(cursor, expression, max(RANK_ALL + 1, limit))
        if len(newest) > RANK_ALL:
            return newest[:limit]
        if not newest:
            return []
        ranked = SQLITE_MATCH if connection.vendor == "sqlite" else POSTGRES_MATCH
        cursor.execute(self.sql(ranked), [expression, limit])
        return [row[0] for row in cursor.fetchall()]

    def _newest(self, cursor: CursorWrapper, expression: str, limit: int) -> list[int]:
        if connection.vendor == "sqlite":
            # FTS5 reads its matches in rowid order and stops at the limit.
            cursor.execute(self.sql(SQLITE_NEWEST), [expression, limit])
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(self.sql(POSTGRES_LAST_ID))
        high = cursor.fetchone()[0] or 0
        found: list[int] = []
        window = FIRST_WINDOW
        while high > 0 and len(found) < limit:
            low = max(high - window, 0)
            if window > FIRST_WINDOW and len(found) * DENSE < FIRST_WINDOW:
                # Rare: the index finds the older ones faster than reading every document.
                cursor.execute(self.sql(POSTGRES_OLDER), [expression, high, limit - len(found)])
                return found + [row[0] for row in cursor.fetchall()]
            cursor.execute(self.sql(POSTGRES_WINDOW), [low, high, expression, limit - len(found)])
            found += [row[0] for row in cursor.fetchall()]
            high, window = low, window * EXPANSION
        return found
