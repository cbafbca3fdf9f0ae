"""Ranked full-text search of the library, on SQLite (FTS5) or PostgreSQL (tsvector).

One small interface: `search(text)` gives resource ids, best first; `index(ids)` and
`unindex(ids)` keep the index in step (signals call them on every save, delete and topic
change); `rebuild()` starts over.

Both engines stem English (porter / snowball) and match every word as a prefix ("assess" finds
"assessment"). On top of that, the same Python code:
- folds accents and case, so "tráfico" and "trafico" are one word;
- maps common Spanish words to the English vocabulary of the library ("trata", "tráfico" →
  trafficking, "niños" → child…), and indexes topic, type and audience names in every language
  of the site, so that "trata de personas" or "salud" finds resources;
- corrects typing mistakes when the words as typed find nothing: a word that starts no indexed
  word is matched also as the indexed words within a small edit distance ("meidcal" →
  "medical"), found in `SearchWord` (stemming alone already turns "assesment" into "asses",
  a prefix of "assess");
- asks for every word first, then with corrections, then for any word.
"""

import re
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import Q
from django.utils import translation
from django.utils.functional import Promise

from hotline.library.models import Resource, SearchWord

WORD = re.compile(r"[a-z0-9]+")
MAX_TERMS = 8

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

# Spanish words a visitor may type, with the English words the library is written in. Keys are
# accent-free; plurals are found by removing "s"/"es".
SPANISH: dict[str, tuple[str, ...]] = {
    "trata": ("trafficking",),
    "trafico": ("trafficking",),
    "traficante": ("trafficker",),
    "persona": ("person",),
    "victima": ("victim",),
    "sobreviviente": ("survivor",),
    "nino": ("child",),
    "nina": ("child",),
    "infantil": ("child",),
    "menor": ("minor", "child"),
    "joven": ("youth",),
    "jovenes": ("youth",),
    "sexual": ("sex",),
    "sexo": ("sex",),
    "laboral": ("labor",),
    "trabajo": ("labor", "work"),
    "trabajador": ("worker",),
    "domestico": ("domestic",),
    "domestica": ("domestic",),
    "servidumbre": ("servitude",),
    "pandilla": ("gang",),
    "salud": ("health",),
    "medico": ("medical",),
    "medica": ("medical",),
    "mental": ("mental",),
    "policia": ("police", "enforcement"),
    "ley": ("law",),
    "legal": ("legal",),
    "abogado": ("legal", "attorney"),
    "evaluacion": ("assessment",),
    "herramienta": ("tool",),
    "capacitacion": ("training",),
    "entrenamiento": ("training",),
    "formacion": ("training",),
    "folleto": ("brochure",),
    "cartel": ("poster",),
    "afiche": ("poster",),
    "tarjeta": ("card",),
    "hoja": ("sheet",),
    "informe": ("report",),
    "estudio": ("study",),
    "manual": ("manual", "handbook"),
    "guia": ("guide",),
    "servicio": ("service",),
    "ayuda": ("assistance", "help"),
    "asistencia": ("assistance",),
    "indicador": ("indicator",),
    "senal": ("sign", "indicator"),
    "identificacion": ("identification", "identifying"),
    "identificar": ("identify", "identifying"),
    "comunidad": ("community",),
    "comunitaria": ("community",),
    "empresa": ("business",),
    "negocio": ("business",),
    "caso": ("case",),
    "entrevista": ("interview",),
    "etica": ("ethical",),
    "explotacion": ("exploitation",),
    "migrante": ("migrant",),
    "extranjero": ("foreign",),
    "refugiado": ("refugee",),
    "derecho": ("rights",),
    "proteccion": ("protection",),
    "mujer": ("women",),
    "socorrista": ("responders",),
}


def normalize(text: str) -> str:
    """Lower case without accents: what both engines index and what queries are made of."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def words(text: str) -> list[str]:
    return WORD.findall(normalize(text))


def spanish(term: str) -> tuple[str, ...]:
    for candidate in (term, term.removesuffix("es"), term.removesuffix("s")):
        if candidate in SPANISH:
            return SPANISH[candidate]
    return ()


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (a swap of neighbours counts one), or limit + 1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def corrections(term: str, candidates: Iterable[str], limit: int) -> list[str]:
    """The three candidates closest to `term`, within `limit` edits."""
    letters = set(term)
    scored = sorted(
        (distance, word)
        for word in candidates
        # An edit changes at most two letters of the letter sets: a cheap test before the distance.
        if len(letters.symmetric_difference(word)) <= 2 * limit
        and (distance := edit_distance(term, word, limit)) <= limit
    )
    return [word for _, word in scored[:3]]


def query_terms(text: str) -> list[str]:
    """The words of a query that can find something: no stop words, no repeats."""
    terms = [t for t in dict.fromkeys(words(text)) if t not in STOP_WORDS]
    return terms[:MAX_TERMS]


def with_corrections(group: list[str]) -> list[str]:
    """A word that starts no indexed word, with the indexed words close to it (first letter
    taken as right). Spanish words (mapped) and short words stay as they are."""
    term = group[0]
    if len(group) > 1 or len(term) < 4 or term.isdigit():
        return group
    limit = 1 if len(term) < 7 else 2
    # One query for both questions: is it the start of an indexed word, and which are near.
    near = list(
        SearchWord.objects.filter(
            Q(length__gte=len(term) - limit, length__lte=len(term) + limit)
            | Q(length__gte=len(term), word__startswith=term),
            initial=term[0],
        ).values_list("word", flat=True)
    )
    if any(word.startswith(term) for word in near):
        return group
    return [*group, *(word for word in corrections(term, near, limit) if word not in group)]


@dataclass(frozen=True)
class Document:
    resource_id: int
    title: str
    summary: str
    publisher: str
    topics: str
    extra: str

    def text(self) -> str:
        return " ".join([self.title, self.summary, self.publisher, self.topics, self.extra])


def in_every_language(labels: Iterable[str | Promise]) -> str:
    labels = list(labels)
    names: list[str] = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            names.extend(str(label) for label in labels)
    return " ".join(dict.fromkeys(names))


def document_for(resource: Resource) -> Document:
    return Document(
        resource_id=resource.pk,
        title=normalize(resource.title),
        summary=normalize(resource.summary),
        publisher=normalize(resource.publisher.name if resource.publisher else ""),
        topics=normalize(in_every_language(t.label for t in resource.topics.all())),
        extra=normalize(
            in_every_language(
                [resource.get_resource_type_display()] + [a.label for a in resource.audiences.all()]
            )
        ),
    )


# Ranking costs time for every match: a word most resources hold ("trafficking", in this
# library) would rank thousands. Above RANK_ALL matches, only the resources that hold the words
# in their title are ranked, first (if they are not too many themselves); the others follow
# unranked, newest first.
RANK_ALL = 300

# Counting stops once it passes RANK_ALL: a count of every match would cost as much as ranking.
SQLITE_COUNT = (
    "SELECT count(*) FROM (SELECT 1 FROM library_search_fts "
    "WHERE library_search_fts MATCH %s LIMIT 301)"
)
SQLITE_RANKED = (
    "SELECT f.rowid FROM library_search_fts f JOIN library_resource r ON r.id = f.rowid "
    "WHERE library_search_fts MATCH %s AND (r.is_published OR %s) "
    # bm25 weights of the columns title, summary, publisher, topics, extra (lower is better).
    "ORDER BY bm25(library_search_fts, 10.0, 2.0, 4.0, 4.0, 1.0), f.rowid LIMIT %s"
)
SQLITE_UNRANKED = (
    "SELECT f.rowid FROM library_search_fts f JOIN library_resource r ON r.id = f.rowid "
    "WHERE library_search_fts MATCH %s AND (r.is_published OR %s) "
    "ORDER BY f.rowid DESC LIMIT %s"
)
POSTGRES_INSERT = (
    "INSERT INTO library_search_document (resource_id, document, title) VALUES (%s, "
    "setweight(to_tsvector('english', %s), 'A') || setweight(to_tsvector('english', %s), 'C') "
    "|| setweight(to_tsvector('english', %s), 'B') || setweight(to_tsvector('english', %s), 'B') "
    "|| setweight(to_tsvector('english', %s), 'D'), to_tsvector('english', %s)) "
    "ON CONFLICT (resource_id) DO UPDATE SET document = EXCLUDED.document, title = EXCLUDED.title"
)
# The newest matching documents (published or not: their number decides whether to rank) are
# read from the search table alone. Joining library_resource walked that table's primary key in
# step, which cost as much again as the search; the table holds no document of a resource that
# no longer exists (migration 0004), and the few unpublished resources are left out afterwards.
POSTGRES_NEWEST = (
    "SELECT resource_id FROM library_search_document "
    "WHERE document @@ to_tsquery('english', %s) "
    "ORDER BY resource_id DESC LIMIT %s"
)
POSTGRES_OLDER = (
    "SELECT resource_id FROM library_search_document "
    "WHERE document @@ to_tsquery('english', %s) AND resource_id < %s "
    "ORDER BY resource_id DESC LIMIT %s"
)
POSTGRES_HIDDEN = "SELECT id FROM library_resource WHERE id BETWEEN %s AND %s AND NOT is_published"
POSTGRES_RANKED = (
    "SELECT d.resource_id FROM library_search_document d "
    "JOIN library_resource r ON r.id = d.resource_id, to_tsquery('english', %s) q "
    "WHERE d.document @@ q AND (r.is_published OR %s) "
    "ORDER BY ts_rank_cd(d.document, q) DESC, d.resource_id LIMIT %s"
)
# Titles have a vector and an index of their own (migration 0003): filtering the whole
# document by weight A would recheck every document holding the word anywhere.
POSTGRES_TITLE_COUNT = (
    "SELECT count(*) FROM (SELECT 1 FROM library_search_document "
    "WHERE title @@ to_tsquery('english', %s) LIMIT 301) s"
)
POSTGRES_TITLE_RANKED = (
    "SELECT d.resource_id FROM library_search_document d "
    "JOIN library_resource r ON r.id = d.resource_id, to_tsquery('english', %s) q "
    "WHERE d.title @@ q AND (r.is_published OR %s) "
    "ORDER BY ts_rank_cd(d.document, q) DESC, d.resource_id LIMIT %s"
)
assert RANK_ALL == 300  # the LIMIT 301 of the counts above


def rows(documents: Sequence[Document]) -> list[tuple[int, str, str, str, str, str]]:
    return [(d.resource_id, d.title, d.summary, d.publisher, d.topics, d.extra) for d in documents]


def rows_with_title(
    documents: Sequence[Document],
) -> list[tuple[int, str, str, str, str, str, str]]:
    return [(*row, row[1]) for row in rows(documents)]


class Engine(ABC):
    count_sql = ranked_sql = unranked_sql = title_count_sql = title_ranked_sql = ""

    @abstractmethod
    def expression(self, groups: list[list[str]], conjunction: str) -> str:
        """The engine's full-text query for groups of alternative words."""

    def title_expression(self, groups: list[list[str]], conjunction: str) -> str:
        return self.expression(groups, conjunction)

    def count(self, cursor: CursorWrapper, sql: str, expression: str) -> int:
        cursor.execute(sql, [expression])
        return int(cursor.fetchone()[0])

    def ids(self, cursor: CursorWrapper, sql: str, params: list[Any]) -> list[int]:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]

    def match(
        self,
        cursor: CursorWrapper,
        groups: list[list[str]],
        conjunction: str,
        published: bool,
        limit: int,
    ) -> list[int]:
        everywhere = self.expression(groups, conjunction)
        matches = self.count(cursor, self.count_sql, everywhere)
        if not matches:
            return []
        if matches <= RANK_ALL:
            return self.ids(cursor, self.ranked_sql, [everywhere, not published, limit])
        first = self.title_first(cursor, groups, conjunction, published, limit)
        rest = self.ids(cursor, self.unranked_sql, [everywhere, not published, limit + len(first)])
        return merged(first, rest, limit)

    def title_first(
        self,
        cursor: CursorWrapper,
        groups: list[list[str]],
        conjunction: str,
        published: bool,
        limit: int,
    ) -> list[int]:
        """The matches with the words in their title, ranked, if they are few enough."""
        in_title = self.title_expression(groups, conjunction)
        if not 0 < self.count(cursor, self.title_count_sql, in_title) <= RANK_ALL:
            return []
        return self.ids(cursor, self.title_ranked_sql, [in_title, not published, limit])


def merged(first: list[int], rest: list[int], limit: int) -> list[int]:
    seen = set(first)
    return (first + [pk for pk in rest if pk not in seen])[:limit]


class SQLiteEngine(Engine):
    """The FTS5 table of migration 0002, one row per resource with rowid = resource id."""

    count_sql, ranked_sql, unranked_sql = SQLITE_COUNT, SQLITE_RANKED, SQLITE_UNRANKED
    title_count_sql, title_ranked_sql = SQLITE_COUNT, SQLITE_RANKED

    def delete(self, cursor: CursorWrapper, ids: Sequence[int]) -> None:
        cursor.executemany("DELETE FROM library_search_fts WHERE rowid = %s", [(i,) for i in ids])

    def insert(self, cursor: CursorWrapper, documents: Sequence[Document]) -> None:
        cursor.executemany(
            "INSERT INTO library_search_fts (rowid, title, summary, publisher, topics, extra) "
            "VALUES (%s, %s, %s, %s, %s, %s)",
            rows(documents),
        )

    def clear(self, cursor: CursorWrapper) -> None:
        cursor.execute("DELETE FROM library_search_fts")

    def expression(self, groups: list[list[str]], conjunction: str) -> str:
        # Terms are [a-z0-9]+ only: quoting them cannot change the query's syntax.
        return f" {conjunction} ".join(
            "(" + " OR ".join(f'"{term}"*' for term in group) + ")" for group in groups
        )

    def title_expression(self, groups: list[list[str]], conjunction: str) -> str:
        return f"{{title}} : ({self.expression(groups, conjunction)})"


class PostgresEngine(Engine):
    """The tsvector table of migration 0002, weighted A (title) to D (type, audiences).

    The same answers as the generic `match`, with less work when matches are many: the first
    batch of newest matches serves both as the count (more than RANK_ALL?) and as the start of
    the unranked list, which goes on from there. PostgreSQL reads that batch by walking the
    primary key backwards when matches are many, and from the GIN index when they are few."""

    title_count_sql, title_ranked_sql = POSTGRES_TITLE_COUNT, POSTGRES_TITLE_RANKED

    def match(
        self,
        cursor: CursorWrapper,
        groups: list[list[str]],
        conjunction: str,
        published: bool,
        limit: int,
    ) -> list[int]:
        everywhere = self.expression(groups, conjunction)
        newest = self.ids(cursor, POSTGRES_NEWEST, [everywhere, RANK_ALL + 1])
        if not newest:
            return []
        if len(newest) <= RANK_ALL:  # these are all the matches: rank them
            return self.ids(cursor, POSTGRES_RANKED, [everywhere, not published, limit])
        first = self.title_first(cursor, groups, conjunction, published, limit)
        rest = self.newest_shown(cursor, everywhere, newest, published, limit + len(first))
        return merged(first, rest, limit)

    def newest_shown(
        self,
        cursor: CursorWrapper,
        expression: str,
        newest: list[int],
        published: bool,
        wanted: int,
    ) -> list[int]:
        """The `wanted` newest matches that may be shown, going on after `newest` (a full
        batch of RANK_ALL + 1) as far as needed. `asked` is how many the last read asked for:
        a shorter answer means there are no more."""
        shown: list[int] = []
        batch, asked = newest, RANK_ALL + 1
        while True:
            if len(batch) == asked and len(shown) + len(batch) < wanted:
                asked = wanted - len(shown) - len(batch)
                older = self.ids(cursor, POSTGRES_OLDER, [expression, batch[-1], asked])
                batch, asked = batch + older, len(batch) + asked
            shown += self.visible(cursor, batch, published)
            if len(shown) >= wanted or len(batch) < asked:
                return shown[:wanted]
            asked = wanted - len(shown)
            batch = self.ids(cursor, POSTGRES_OLDER, [expression, batch[-1], asked])

    def visible(self, cursor: CursorWrapper, batch: list[int], published: bool) -> list[int]:
        """The batch (newest first) without unpublished resources, unless staff ask."""
        if not published or not batch:
            return batch
        hidden = set(self.ids(cursor, POSTGRES_HIDDEN, [batch[-1], batch[0]]))
        return [pk for pk in batch if pk not in hidden]

    def delete(self, cursor: CursorWrapper, ids: Sequence[int]) -> None:
        cursor.execute(
            "DELETE FROM library_search_document WHERE resource_id = ANY(%s)", [list(ids)]
        )

    def insert(self, cursor: CursorWrapper, documents: Sequence[Document]) -> None:
        cursor.executemany(POSTGRES_INSERT, rows_with_title(documents))

    def clear(self, cursor: CursorWrapper) -> None:
        cursor.execute("TRUNCATE library_search_document")

    def expression(self, groups: list[list[str]], conjunction: str) -> str:
        operator = " & " if conjunction == "AND" else " | "
        return operator.join(
            "(" + " | ".join(f"{term}:*" for term in group) + ")" for group in groups
        )


def engine(vendor: str | None = None) -> SQLiteEngine | PostgresEngine:
    vendor = vendor or connection.vendor
    if vendor == "sqlite":
        return SQLiteEngine()
    if vendor == "postgresql":
        return PostgresEngine()
    raise ImproperlyConfigured(f"library search supports SQLite and PostgreSQL, not {vendor}")


def index(resource_ids: Iterable[int]) -> None:
    """(Re)index these resources; ids of resources that no longer exist are removed."""
    ids = sorted(set(resource_ids))
    if not ids:
        return
    resources = (
        Resource.objects.filter(pk__in=ids)
        .select_related("publisher")
        .prefetch_related("topics", "audiences")
    )
    documents = [document_for(resource) for resource in resources]
    backend = engine()
    with connection.cursor() as cursor:
        backend.delete(cursor, ids)
        backend.insert(cursor, documents)
    vocabulary = {w for d in documents for w in words(d.text()) if 3 <= len(w) <= 60}
    SearchWord.objects.bulk_create(
        [SearchWord(word=w, initial=w[0], length=len(w)) for w in sorted(vocabulary)],
        ignore_conflicts=True,
        batch_size=500,
    )


def unindex(resource_ids: Iterable[int]) -> None:
    ids = sorted(set(resource_ids))
    if ids:
        with connection.cursor() as cursor:
            engine().delete(cursor, ids)


def rebuild(batch: int = 500) -> int:
    """Index every resource again; returns how many."""
    with connection.cursor() as cursor:
        engine().clear(cursor)
    SearchWord.objects.all().delete()
    ids = list(Resource.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        index(ids[start : start + batch])
    from hotline.library.forms import FILTER_LISTS

    FILTER_LISTS.changed()  # after a bulk load, which sent no signals
    return len(ids)


def search(text: str, *, limit: int = 500, published_only: bool = True) -> list[int]:
    """Ids of the resources matching `text`, best first: every word (as typed, or its
    Spanish-to-English equivalents), else with typing mistakes corrected, else any word."""
    groups = [[term, *spanish(term)] for term in query_terms(text)]
    if not groups:
        return []
    backend = engine()
    with connection.cursor() as cursor:
        found = backend.match(cursor, groups, "AND", published_only, limit)
        if found:
            return found
        corrected = [with_corrections(group) for group in groups]
        if corrected != groups:
            found = backend.match(cursor, corrected, "AND", published_only, limit)
        if not found and len(groups) > 1:
            found = backend.match(cursor, corrected, "OR", published_only, limit)
    return found
