"""Reading the HSDS JSON forms: single objects, lists, API pages, the compiled "full" forms
(nested objects are flattened into their tables' rows) and the tabular JSON form."""

from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import Any

from hotline.directory import hsds
from hotline.directory.hsds import TABLES, Table
from hotline.directory.importer import source
from hotline.directory.importer.source import ABSENT, Batch, Problem, Reader, Source

# Nested keys of the compiled forms: key -> (child table, the child's field that names the
# parent) or, with a leading "^", the parent's field that names the child (a to-one object).
NESTED: dict[str, dict[str, tuple[str, str]]] = {
    "organization": {
        "funding": ("funding", "organization_id"),
        "contacts": ("contact", "organization_id"),
        "phones": ("phone", "organization_id"),
        "locations": ("location", "organization_id"),
        "programs": ("program", "organization_id"),
        "organization_identifiers": ("organization_identifier", "organization_id"),
        "services": ("service", "organization_id"),
    },
    "service": {
        "phones": ("phone", "service_id"),
        "schedules": ("schedule", "service_id"),
        "service_areas": ("service_area", "service_id"),
        "service_at_locations": ("service_at_location", "service_id"),
        "languages": ("language", "service_id"),
        "funding": ("funding", "service_id"),
        "cost_options": ("cost_option", "service_id"),
        "required_documents": ("required_document", "service_id"),
        "contacts": ("contact", "service_id"),
        "organization": ("organization", "^organization_id"),
        "program": ("program", "^program_id"),
    },
    "service_at_location": {
        "contacts": ("contact", "service_at_location_id"),
        "phones": ("phone", "service_at_location_id"),
        "schedules": ("schedule", "service_at_location_id"),
        "location": ("location", "^location_id"),
        "service": ("service", "^service_id"),
    },
    "location": {
        "languages": ("language", "location_id"),
        "addresses": ("address", "location_id"),
        "contacts": ("contact", "location_id"),
        "accessibility": ("accessibility", "location_id"),
        "phones": ("phone", "location_id"),
        "schedules": ("schedule", "location_id"),
    },
    "contact": {"phones": ("phone", "contact_id")},
    "phone": {"languages": ("language", "phone_id")},
    "attribute": {"taxonomy_term": ("taxonomy_term", "^taxonomy_term_id")},
    "taxonomy_term": {"taxonomy_detail": ("taxonomy", "^taxonomy_id")},
}
KINDS = ["auto", "organization", "service", "service_at_location", "taxonomy", "taxonomy_term"]


def detect_kind(obj: dict[str, Any]) -> str:
    if "status" in obj or "service_at_locations" in obj:
        return "service"
    if "location" in obj or ("service_id" in obj and "location_id" in obj):
        return "service_at_location"
    if {"taxonomy_id", "parent_id", "code", "taxonomy_detail", "term_uri"} & obj.keys():
        return "taxonomy_term"
    if "version" in obj and "description" in obj and len(obj.keys() - {"uri", "metadata"}) <= 4:
        return "taxonomy"
    return "organization"


class _Flattener:
    def __init__(self, file: str) -> None:
        self.file = file
        self.rows: dict[str, dict[str, tuple[str, dict[str, Any]]]] = defaultdict(dict)
        self.problems: list[Problem] = []

    def add(self, table: str, obj: Any, path: str, inject: dict[str, Any]) -> str | None:
        if not isinstance(obj, dict):
            self.problems.append(Problem(self.file, path, "", "must be an object"))
            return None
        flat: dict[str, Any] = {}
        children: list[tuple[str, Any, str, str]] = []
        nested = NESTED.get(table, {})
        for key, value in obj.items():
            if key in nested:
                children.append((key, value, *nested[key]))
            elif key in {"attributes", "metadata"}:
                children.append((key, value, key[:-1] if key == "attributes" else key, ""))
            else:
                flat[key] = value
        for key, value in inject.items():
            if flat.get(key) in (None, ""):
                flat[key] = value
        # A to-one child names itself in the parent row before the parent is stored.
        for _key, value, _child_table, link in children:
            if link.startswith("^") and isinstance(value, dict) and value.get("id"):
                flat.setdefault(link[1:], value["id"])
        row_id = flat.get("id")
        self._store(table, flat, path)
        for key, value, child_table, link in children:
            child_path = f"{path}/{key}"
            if link.startswith("^"):
                if value is not None:
                    self.add(child_table, value, child_path, {})
                continue
            if not isinstance(value, list):
                self.problems.append(Problem(self.file, child_path, key, "must be a list"))
                continue
            if key == "attributes":
                inject_child = {"link_id": row_id, "link_entity": table}
            elif key == "metadata":
                inject_child = {"resource_id": row_id, "resource_type": table}
            else:
                inject_child = {link: row_id}
            for index, item in enumerate(value):
                self.add(child_table, item, f"{child_path}/{index}", inject_child)
        return row_id if isinstance(row_id, str) else None

    def _store(self, table: str, flat: dict[str, Any], path: str) -> None:
        row_id = flat.get("id")
        if not isinstance(row_id, str) or not row_id:
            self.problems.append(Problem(self.file, path, "id", "is required"))
            return
        seen = self.rows[table].get(row_id)
        if seen is None:
            self.rows[table][row_id] = (path, flat)
            return
        # The compiled forms repeat rows (a location under each of its services): merge them,
        # and refuse two different values for one field.
        first_path, first = seen
        for key, value in flat.items():
            if first.get(key) in (None, ""):
                first[key] = value
            elif value not in (None, "") and first[key] != value:
                self.problems.append(
                    Problem(self.file, path, key, f"differs from the same {table} at {first_path}")
                )


def json_source(data: Any, file: str = "import.json", kind: str = "auto") -> Source:
    flattener = _Flattener(file)
    if isinstance(data, dict) and any(str(key).endswith(".csv") for key in data):
        # The tabular JSON form: {"organizations.csv": [rows], ...}.
        for key, rows in data.items():
            table = hsds.TABLE_BY_FILE.get(key)
            if table is None:
                continue
            if not isinstance(rows, list):
                flattener.problems.append(Problem(file, key, "", "must be a list"))
                continue
            for index, row in enumerate(rows):
                flattener.add(table.name, row, f"{key}/{index}", {})
    else:
        if isinstance(data, dict) and isinstance(data.get("contents"), list):
            data = data["contents"]  # an HSDS API page
        items = data if isinstance(data, list) else [data]
        for index, item in enumerate(items):
            path = f"/{index}" if isinstance(data, list) else ""
            if not isinstance(item, dict):
                flattener.problems.append(Problem(file, path or "/", "", "must be an object"))
                continue
            flattener.add(detect_kind(item) if kind == "auto" else kind, item, path, {})

    def reader(table: Table) -> Reader:
        names, known = table.field_names, set(table.field_names)

        def batches(unknown: set[str]) -> Iterator[Batch]:
            rows = list(flattener.rows[table.name].values())
            for start in range(0, len(rows), source.CHUNK):
                part = [row for _, row in rows[start : start + source.CHUNK]]
                for row in part:
                    unknown |= row.keys() - known
                columns: list[Sequence[Any] | None] = [
                    [row.get(name, ABSENT) for row in part] for name in names
                ]
                yield Batch(file, [path for path, _ in rows[start : start + source.CHUNK]], columns)

        return batches

    return Source(
        readers={table.name: reader(table) for table in TABLES},
        from_text=False,
        counts={table: len(rows) for table, rows in flattener.rows.items()},
        problems=flattener.problems,
    )
