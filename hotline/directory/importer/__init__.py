"""Import HSDS 3.0: JSON (single objects, lists, API pages, the compiled "full" forms, the tabular
JSON form) and the tabular CSV datapackage.

All or nothing: everything happens in one transaction, and any problem rolls all of it back.
Every problem is reported with its file, row and field. Rows are matched by id, so importing
the same data again changes nothing, and importing changed data updates the rows and writes one
HSDS metadata entry per changed field.

Each row is read and parsed once, then written in large batches (on PostgreSQL with COPY) while
the rest is still being read, so that a 100,000 service datapackage imports in minutes and in
bounded memory. Only what must be is kept between rows: the ids of the table being read, to
find ids given twice. Whether every referenced row exists is asked of the database once
everything is written (one query per foreign key); only when something is missing are the
files read again, to name the rows that refer to it.

One module per job: `source` (what a source of rows is), `json_form`, `datapackage` and
`sources` (reading), `check` (parsing and checking rows), `write` (loading batches) and `run`
(the transaction around them). The SQL they need is in `hotline.directory.bulk`.
"""

from hotline.directory.importer.datapackage import directory_source, zip_source
from hotline.directory.importer.json_form import KINDS, detect_kind, json_source
from hotline.directory.importer.run import run_import
from hotline.directory.importer.source import ABSENT, Batch, ImportFailed, Problem, Source
from hotline.directory.importer.sources import open_source, upload_source
from hotline.directory.importer.write import Result

__all__ = [
    "ABSENT",
    "KINDS",
    "Batch",
    "ImportFailed",
    "Problem",
    "Result",
    "Source",
    "detect_kind",
    "directory_source",
    "json_source",
    "open_source",
    "run_import",
    "upload_source",
    "zip_source",
]
