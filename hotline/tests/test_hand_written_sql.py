"""Writes go through the ORM; hand-written SQL lives only in the modules named for it
(docs/decisions/0005-hand-written-sql.md). A statement anywhere else would skip the models'
validation, audit and field conversion (soon: encryption)."""

import re
from pathlib import Path

import hotline

ALLOWED = {
    "lib/upsert.py",  # one-statement counters
    "lib/fulltext.py",  # FTS5 and tsvector of contact narratives and case summaries
    "library/search.py",  # FTS5 and tsvector
    "directory/search.py",  # the search index's distance and box queries
    "directory/bulk.py",  # COPY and executemany for the HSDS import
}
RAW = re.compile(
    r"\.cursor\(|\bcursor\.execute|\.raw\(|RawSQL\(|\b(INSERT INTO|UPDATE \w+ SET|DELETE FROM)\b"
)


def test_hand_written_sql_only_in_the_modules_named_for_it() -> None:
    root = Path(hotline.__file__).parent
    found = set()
    for path in root.rglob("*.py"):
        relative = path.relative_to(root).as_posix()
        if "/tests/" in f"/{relative}" or "/migrations/" in relative or relative in ALLOWED:
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if RAW.search(line) and not line.lstrip().startswith("#"):
                found.add(f"{relative}:{number}: {line.strip()}")
    assert not found, "hand-written SQL outside its modules:\n" + "\n".join(sorted(found))
