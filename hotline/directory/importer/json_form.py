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
# What the importer takes as top-level objects; the other kinds come nested in these.
KINDS = ["auto", "organization", "service", "service_at_location", "taxonomy", "taxonomy_term"]
# The fields each HSDS 3.0 schema requires (the compiled forms nest a parent instead of naming
# it, so its id is not among them).
SCHEMA_REQUIRED = {
    "organization": {"id", "name", "description"},
    "program": {"id", "name", "description"},
    "service": {"id", "name", "status"},
    "location": {"id", "location_type"},
    "service_at_location": {"id"},
    "taxonomy": {"id", "name", "description"},
    "taxonomy_term": {"id", "name", "description"},
    "contact": {"id"},
    "phone": {"id", "number"},
    "address": {"id", "address_1", "city", "state_province", "postal_code", "country"},
    "attribute": {"id", "taxonomy_term_id"},
}
# The top-level keys of the nested export's envelope: "organizations" and each table's file
# name without ".csv" ("taxonomies", "taxonomy_terms", "attributes", "metadata", ...).
ENVELOPE = {table.file.removesuffix(".csv"): table.name for table in TABLES}


class Unsure(ValueError):
    """What kind of HSDS object this is cannot be told, or is not one the importer takes."""

    def __init__(self, message: str, candidates: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.candidates = list(candidates)


def _properties(kind: str) -> set[str]:
    return {*hsds.TABLE[kind].field_names, *NESTED.get(kind, {}), "attributes", "metadata"}


def detect_kind(obj: dict[str, Any]) -> str:
    """The kind of a top-level object: of the schemas whose required fields it has, the one
    that knows most of its fields. Raises Unsure when two fit as well, or none does, or the
    kind is not one the importer takes at the top level."""
    keys = set(obj) | {"id"}  # a missing id is the row's own problem
    fits = {
        kind: len(keys - _properties(kind))
        for kind, required in SCHEMA_REQUIRED.items()
        if required <= keys
    }
    if not fits:
        raise Unsure(
            "is not an HSDS 3.0 object the importer recognises (it lacks the fields every "
            "organization, service, service at location, taxonomy or taxonomy term has)"
        )
    best = min(fits.values())
    winners = sorted(kind for kind, unknown in fits.items() if unknown == best)
    if len(winners) > 1:
        raise Unsure(
            f"could be any of: {', '.join(winners)}; choose the kind (--kind, or on the "
            "upload page)",
            winners,
        )
    kind = winners[0]
    if kind not in KINDS:
        taken = ", ".join(k.replace("_", " ") for k in KINDS[1:])
        raise Unsure(
            f"is an HSDS {kind.replace('_', ' ')}, which is imported inside the object it "
            f"belongs to; the top level takes: {taken}"
        )
    return kind


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
                    # A program nested in a service belongs to the service's organization.
                    inherit = (
                        {"organization_id": flat.get("organization_id")}
                        if child_table == "program" and flat.get("organization_id")
                        else {}
                    )
                    self.add(child_table, value, child_path, inherit)
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
    warnings: list[str] = []
    if isinstance(data, dict) and "hsds_version" in data:
        _envelope(data, flattener, warnings)
    elif isinstance(data, dict) and any(str(key).endswith(".csv") for key in data):
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
        kinds: list[str | Unsure] = []
        for item in items:
            try:
                kinds.append(kind if kind != "auto" else detect_kind(item))
            except Unsure as unsure:
                kinds.append(unsure)
            except TypeError:
                kinds.append("")  # not an object, see below
        # An object that could be of several kinds is of the kind of the list's others.
        clear = {found for found in kinds if isinstance(found, str) and found}
        for index, (item, item_kind) in enumerate(zip(items, kinds, strict=True)):
            path = f"/{index}" if isinstance(data, list) else ""
            if not isinstance(item, dict):
                flattener.problems.append(Problem(file, path or "/", "", "must be an object"))
                continue
            if isinstance(item_kind, Unsure):
                if len(clear) == 1 and next(iter(clear)) in item_kind.candidates:
                    item_kind = next(iter(clear))
                else:
                    flattener.problems.append(Problem(file, path or "/", "", str(item_kind)))
                    continue
            flattener.add(item_kind, item, path, {})

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
        warnings=warnings,
    )


def _envelope(data: dict[str, Any], flattener: _Flattener, warnings: list[str]) -> None:
    """The nested export: {"hsds_version": "3.0", "organizations": [...], "taxonomies": [...],
    ...}; each list holds objects of one table, nested as the compiled forms nest them."""
    file, version = flattener.file, str(data["hsds_version"])
    if not version.startswith("3."):
        message = f"this is HSDS {version}; HSDS 3.0 is required"
        flattener.problems.append(Problem(file, "", "hsds_version", message))
        return
    for key, items in data.items():
        if key == "hsds_version":
            continue
        table = ENVELOPE.get(key)
        if table is None:
            warnings.append(f"{file}: ignored the unknown key {key!r}")
            continue
        if not isinstance(items, list):
            flattener.problems.append(Problem(file, f"/{key}", "", "must be a list"))
            continue
        for index, item in enumerate(items):
            flattener.add(table, item, f"/{key}/{index}", {})
