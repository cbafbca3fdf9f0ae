"""Export HSDS 3.0 and build the nested "compiled" objects that the API serves.

A `Scope` says what may leave: confidential locations (and everything that would reveal them:
their addresses, phones, schedules, services-at-location, attributes and change log) only with
`include_confidential`; withdrawn listings only when `listed_only` is off. Public callers (pages,
the HSDS API) always use `Scope.public()`.
"""

import csv
import io
import json
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Q

from hotline.directory import hsds
from hotline.directory.hsds import TABLE, TABLES, Table
from hotline.directory.models import Attribute, Organization, ServiceAtLocation

Row = dict[str, Any]


@dataclass(frozen=True)
class Scope:
    include_confidential: bool = False
    listed_only: bool = True

    @classmethod
    def public(cls) -> "Scope":
        return cls(include_confidential=False, listed_only=True)


def _restricted(table: Table, ids: dict[str, set[UUID]]) -> Q | None:
    """Rows of `table` that belong to the rows already chosen (None: no restriction)."""
    if table.name == "attribute":
        return Q(link_id__in={pk for chosen in ids.values() for pk in chosen})
    if table.name == "metadata":
        return Q(resource_id__in={pk for chosen in ids.values() for pk in chosen})
    if table.name == "taxonomy_term":
        return None  # chosen after attributes, see rows()
    query = Q(pk__in=ids.get(table.name, set()))
    for spec in table.fields:
        if spec.references and spec.references != table.name and spec.references in ids:
            query |= Q(**{f"{spec.attname}__in": ids[spec.references]})
    return query


def rows(
    scope: Scope, organization_ids: Iterable[UUID] | None = None
) -> Iterator[tuple[Table, Row]]:
    """Every HSDS row in scope as JSON, table by table in dependency order. With
    `organization_ids`, only those organizations and what belongs to them."""
    excluded: dict[str, set[UUID]] = defaultdict(set)
    confidential = set(Attribute.objects.confidential_location_ids())
    if not scope.include_confidential:
        excluded["location"] |= confidential
    if scope.listed_only:
        excluded["organization"] |= set(
            Organization.objects.exclude(listing_status="listed").values_list("id", flat=True)
        )
    chosen: dict[str, set[UUID]] | None = None
    if organization_ids is not None:
        chosen = {"organization": set(organization_ids)}
        chosen["location"] = set(
            ServiceAtLocation.objects.filter(
                service__organization_id__in=chosen["organization"]
            ).values_list("location_id", flat=True)
        )
    terms_used: set[UUID] = set()
    taxonomies_used: set[UUID] = set()
    deferred: list[tuple[Table, Row]] = []
    for table in TABLES:
        queryset = table.model._default_manager.order_by("pk")
        if chosen is not None and table.name not in {"taxonomy"}:
            restriction = _restricted(table, chosen)
            if restriction is not None:
                queryset = queryset.filter(restriction)
        attnames = [spec.attname for spec in table.fields]
        kept: set[UUID] = set()
        for values in queryset.values(*attnames).iterator(chunk_size=2000):
            if _excluded(table, values, excluded):
                excluded[table.name].add(values["id"])
                continue
            if table.name == "attribute":
                terms_used.add(values["taxonomy_term_id"])
            row = hsds.row_of(table, values)
            if chosen is not None and table.name in {"taxonomy", "taxonomy_term"}:
                deferred.append((table, row))  # only those the chosen rows use, see below
                continue
            kept.add(values["id"])
            yield table, row
        if chosen is not None:
            chosen[table.name] = chosen.get(table.name, set()) | kept
    if chosen is not None:
        # For one organization, the taxonomy terms its attributes use and their ancestors.
        term_rows = {row["id"]: row for table, row in deferred if table.name == "taxonomy_term"}
        wanted = {str(term) for term in terms_used}
        frontier = set(wanted)
        while frontier:
            parents = {term_rows[t].get("parent_id") for t in frontier if t in term_rows}
            frontier = {p for p in parents if p and p not in wanted}
            wanted |= frontier
        for term_id in wanted:
            if term_id in term_rows and term_rows[term_id].get("taxonomy_id"):
                taxonomies_used.add(term_rows[term_id]["taxonomy_id"])
        for table, row in deferred:
            if (table.name == "taxonomy" and row["id"] in taxonomies_used) or (
                table.name == "taxonomy_term" and row["id"] in wanted
            ):
                yield table, row


def _excluded(table: Table, values: Row, excluded: dict[str, set[UUID]]) -> bool:
    if values["id"] in excluded[table.name]:
        return True
    if table.name == "attribute":
        return any(values["link_id"] in ids for ids in excluded.values())
    if table.name == "metadata":
        return any(values["resource_id"] in ids for ids in excluded.values())
    for spec in table.fields:
        if not spec.references or values[spec.attname] is None:
            continue
        if values[spec.attname] in excluded[spec.references]:
            if spec.references == table.name:
                values[spec.attname] = None  # a withdrawn parent: leave the child, drop the link
                continue
            return True
    return False


# --- Tabular forms ------------------------------------------------------------------------------


def tabular(scope: Scope) -> dict[str, list[Row]]:
    """The tabular JSON form: {"organizations.csv": [rows], ...}."""
    out: dict[str, list[Row]] = {table.file: [] for table in TABLES}
    for table, row in rows(scope):
        out[table.file].append(row)
    return out


def datapackage() -> dict[str, Any]:
    return {
        "name": "hsds-export",
        "title": "HSDS 3.0 export",
        "profile": "tabular-data-package",
        "version": hsds.HSDS_VERSION,
        "resources": [
            {
                "name": table.name,
                "path": table.file,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "schema": {
                    "primaryKey": "id",
                    # As the standard's datapackage declares them (not the soft references).
                    "foreignKeys": [
                        {
                            "fields": spec.name,
                            "reference": {"resource": spec.references, "fields": "id"},
                        }
                        for spec in table.fields
                        if spec.references and not spec.soft
                    ],
                    "fields": [
                        {
                            "name": spec.name,
                            "type": _csv_type(spec),
                            **({"constraints": {"required": True}} if spec.required else {}),
                        }
                        for spec in table.fields
                    ],
                },
            }
            for table in TABLES
        ],
    }


def _csv_type(spec: hsds.Field) -> str:
    return {"number": "number", "date": "date", "time": "time", "datetime": "datetime"}.get(
        spec.kind, "string"
    )


def write_datapackage(scope: Scope, target: zipfile.ZipFile, folder: str = "") -> dict[str, int]:
    """The CSV datapackage into a zip archive; returns row counts per table."""
    counts: dict[str, int] = defaultdict(int)
    buffers: dict[str, io.StringIO] = {}
    writers: dict[str, Any] = {}
    for table in TABLES:
        buffers[table.name] = io.StringIO()
        writers[table.name] = csv.DictWriter(buffers[table.name], fieldnames=table.field_names)
        writers[table.name].writeheader()
    for table, row in rows(scope):
        writers[table.name].writerow(row)
        counts[table.name] += 1
    for table in TABLES:
        target.writestr(f"{folder}{table.file}", buffers[table.name].getvalue())
    target.writestr(f"{folder}datapackage.json", json.dumps(datapackage(), indent=2))
    return dict(counts)


# --- Nested (compiled) forms --------------------------------------------------------------------


class Graph:
    """HSDS rows indexed for composing the compiled objects."""

    def __init__(self, source: Iterable[tuple[Table, Row]]) -> None:
        self.by_id: dict[str, dict[str, Row]] = defaultdict(dict)
        self.kids: dict[tuple[str, str], dict[str, list[Row]]] = defaultdict(
            lambda: defaultdict(list)
        )
        self.attributes: dict[str, list[Row]] = defaultdict(list)
        self.metadata: dict[str, list[Row]] = defaultdict(list)
        for table, row in source:
            self.by_id[table.name][row["id"]] = row
            if table.name == "attribute":
                self.attributes[row["link_id"]].append(row)
            elif table.name == "metadata":
                self.metadata[row["resource_id"]].append(row)
            for spec in table.fields:
                if spec.references and spec.name in row:
                    self.kids[(table.name, spec.name)][row[spec.name]].append(row)

    @classmethod
    def of(cls, scope: Scope, organization_ids: Iterable[UUID] | None = None) -> "Graph":
        return cls(rows(scope, organization_ids))

    def _decorate(self, row: Row, **nested: Any) -> Row:
        return {
            **row,
            **nested,
            "attributes": [self._attribute(attr) for attr in self.attributes.get(row["id"], [])],
            "metadata": list(self.metadata.get(row["id"], [])),
        }

    def _attribute(self, attr: Row) -> Row:
        out = dict(attr)
        term = self.by_id["taxonomy_term"].get(attr["taxonomy_term_id"])
        if term is not None:
            out["taxonomy_term"] = self.term(term)
        return out

    def term(self, term: Row) -> Row:
        out = dict(term)
        taxonomy = self.by_id["taxonomy"].get(term.get("taxonomy_id", ""))
        if taxonomy is not None:
            out["taxonomy_detail"] = dict(taxonomy)
        return out

    def _children(self, table: str, field: str, parent_id: str) -> list[Row]:
        return self.kids[(table, field)].get(parent_id, [])

    def _plain(self, table: str, field: str, parent_id: str) -> list[Row]:
        return [self._decorate(row) for row in self._children(table, field, parent_id)]

    def phone(self, row: Row) -> Row:
        return self._decorate(row, languages=self._plain("language", "phone_id", row["id"]))

    def contact(self, row: Row) -> Row:
        return self._decorate(
            row, phones=[self.phone(p) for p in self._children("phone", "contact_id", row["id"])]
        )

    def location(self, row: Row) -> Row:
        pid = row["id"]
        return self._decorate(
            row,
            languages=self._plain("language", "location_id", pid),
            addresses=self._plain("address", "location_id", pid),
            contacts=[self.contact(c) for c in self._children("contact", "location_id", pid)],
            accessibility=self._plain("accessibility", "location_id", pid),
            phones=[self.phone(p) for p in self._children("phone", "location_id", pid)],
            schedules=self._plain("schedule", "location_id", pid),
        )

    def service_at_location(self, row: Row, with_service: bool = False) -> Row:
        pid = row["id"]
        nested: dict[str, Any] = {
            "contacts": [
                self.contact(c) for c in self._children("contact", "service_at_location_id", pid)
            ],
            "phones": [
                self.phone(p) for p in self._children("phone", "service_at_location_id", pid)
            ],
            "schedules": self._plain("schedule", "service_at_location_id", pid),
        }
        location = self.by_id["location"].get(row.get("location_id", ""))
        if location is not None:
            nested["location"] = self.location(location)
        if with_service:
            service = self.by_id["service"].get(row.get("service_id", ""))
            if service is not None:
                nested["service"] = self.service(service)
        return self._decorate(row, **nested)

    def service(self, row: Row, with_organization: bool = True) -> Row:
        pid = row["id"]
        nested: dict[str, Any] = {
            "phones": [self.phone(p) for p in self._children("phone", "service_id", pid)],
            "schedules": self._plain("schedule", "service_id", pid),
            "service_areas": self._plain("service_area", "service_id", pid),
            "service_at_locations": [
                self.service_at_location(sal)
                for sal in self._children("service_at_location", "service_id", pid)
            ],
            "languages": self._plain("language", "service_id", pid),
            "funding": self._plain("funding", "service_id", pid),
            "cost_options": self._plain("cost_option", "service_id", pid),
            "required_documents": self._plain("required_document", "service_id", pid),
            "contacts": [self.contact(c) for c in self._children("contact", "service_id", pid)],
        }
        if with_organization:
            organization = self.by_id["organization"].get(row.get("organization_id", ""))
            if organization is not None:
                nested["organization"] = self._decorate(organization)
        program = self.by_id["program"].get(row.get("program_id", ""))
        if program is not None:
            nested["program"] = self._decorate(program)
        return self._decorate(row, **nested)

    def organization(self, row: Row, with_services: bool = True) -> Row:
        pid = row["id"]
        nested: dict[str, Any] = {
            "funding": self._plain("funding", "organization_id", pid),
            "contacts": [
                self.contact(c) for c in self._children("contact", "organization_id", pid)
            ],
            "phones": [self.phone(p) for p in self._children("phone", "organization_id", pid)],
            "locations": [
                self.location(loc) for loc in self._children("location", "organization_id", pid)
            ],
            "programs": self._plain("program", "organization_id", pid),
            "organization_identifiers": self._plain(
                "organization_identifier", "organization_id", pid
            ),
        }
        if with_services:
            nested["services"] = [
                self.service(s, with_organization=False)
                for s in self._children("service", "organization_id", pid)
            ]
        return self._decorate(row, **nested)

    def organizations(self) -> list[Row]:
        return [self.organization(row) for row in self.by_id["organization"].values()]


def full_json(scope: Scope) -> dict[str, Any]:
    """The nested export, one envelope: {"hsds_version": "3.0", "organizations": [fully
    nested], "taxonomies": [...], "taxonomy_terms": [...]}, then, under the name of its CSV
    file without ".csv" ("attributes", "metadata", "locations", ...), every other row that
    nothing above holds (an attribute of a taxonomy term, the change log of a taxonomy, a
    location no organization has), so that a round trip loses nothing."""
    graph = Graph.of(scope)
    envelope: dict[str, Any] = {"hsds_version": hsds.HSDS_VERSION}
    envelope["organizations"] = graph.organizations()
    for name in ("taxonomy", "taxonomy_term"):
        envelope[TABLE[name].file.removesuffix(".csv")] = list(graph.by_id[name].values())
    held = _ids_in(envelope)
    for table in TABLES:
        left = [row for pk, row in graph.by_id[table.name].items() if pk not in held]
        if left:
            envelope[table.file.removesuffix(".csv")] = left
    return envelope


def _ids_in(value: Any) -> set[str]:
    """Every "id" in nested JSON (HSDS ids are UUIDs: unique across tables)."""
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if isinstance(item.get("id"), str):
                found.add(item["id"])
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def table_of(name: str) -> Table:
    return TABLE[name]
