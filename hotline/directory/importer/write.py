"""Loading: writing batches of parsed rows. New rows go in one bulk insert per batch; changed
rows are updated with one HSDS metadata entry per changed field; what the search index must
rebuild is remembered."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from hotline.directory import bulk, hsds
from hotline.directory.hsds import Table
from hotline.directory.importer.source import ABSENT
from hotline.directory.models import Metadata

REBUILD_INDEX_ABOVE = 20000
INDEXED = {"organization", "service", "location", "service_at_location"}
TOUCH = {"service_id", "location_id", "organization_id", "service_at_location_id"}


@dataclass
class Result:
    created: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    updated: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    unchanged: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    warnings: list[str] = field(default_factory=list)
    touched: dict[str, set[Any]] = field(default_factory=lambda: defaultdict(set))
    touched_count: int = 0
    rebuild_index: bool = False
    rows: dict[str, int] = field(default_factory=dict)  # rows read per table

    def summary(self) -> dict[str, int]:
        return {
            "created": sum(self.created.values()),
            "updated": sum(self.updated.values()),
            "unchanged": sum(self.unchanged.values()),
        }


class TableWriter:
    """Writes batches of parsed rows: new rows in one statement, changed rows with a metadata
    entry per changed field."""

    def __init__(self, table: Table, result: Result, who: str) -> None:
        self.table, self.result, self.who = table, result, who
        self.attnames = [spec.attname for spec in table.fields]
        self.insert = bulk.inserter(table.model, self.attnames)
        # Rows of a table that was empty when the import began can only be new: the ids given
        # twice in the import were refused before writing.
        self.empty = not bulk.has_rows(table.model)
        self.touch = [
            (index, spec.name[:-3])
            for index, spec in enumerate(table.fields)
            if spec.name in TOUCH and spec.name[:-3] in INDEXED
        ]
        self.link = (
            (table.field_names.index("link_entity"), table.field_names.index("link_id"))
            if table.name == "attribute"
            else None
        )

    def write(self, columns: list[Sequence[Any]], given: list[Sequence[Any] | None]) -> None:
        """Writes parsed rows, given column by column with the raw columns (for which fields
        the input gives)."""
        ids = columns[0]
        existing = set() if self.empty else bulk.existing_ids(self.table.model, list(ids))
        if existing:
            old = [row for row, pk in enumerate(ids) if pk in existing]
            self._update(
                [[column[row] for column in columns] for row in old],
                [[raw is not None and raw[row] is not ABSENT for raw in given] for row in old],
            )
            new = [row for row, pk in enumerate(ids) if pk not in existing]
            columns = [[column[row] for row in new] for column in columns]
        if columns[0]:
            self.insert(columns)
            self.result.created[self.table.name] += len(columns[0])
            self._touch(columns)

    def _touch(self, columns: list[Sequence[Any]]) -> None:
        result = self.result
        if result.rebuild_index:
            return
        result.touched_count += len(columns[0])
        if result.touched_count > REBUILD_INDEX_ABOVE:
            # Past this many, the whole index is rebuilt: stop remembering ids.
            result.rebuild_index, result.touched = True, defaultdict(set)
            return
        touched, name = result.touched, self.table.name
        if name in INDEXED:
            touched[name].update(columns[0])
        for index, target in self.touch:
            touched[target].update(pk for pk in columns[index] if pk is not None)
        if self.link:
            entities, links = columns[self.link[0]], columns[self.link[1]]
            for entity, link in zip(entities, links, strict=True):
                if entity in INDEXED:
                    touched[entity].add(link)

    def _update(self, rows: list[list[Any]], given: list[list[bool]]) -> None:
        table, model, attnames = self.table, self.table.model, self.attnames
        old_rows = {
            str(values["id"]): values
            for values in model._default_manager.filter(pk__in=[row[0] for row in rows]).values(
                *attnames
            )
        }
        changed, log, written = [], [], []
        changed_fields: set[str] = set()
        today = timezone.localdate()
        for values, present in zip(rows, given, strict=True):
            old = old_rows[values[0]]
            diff = [
                (spec, value)
                for spec, value, has in zip(table.fields, values, present, strict=True)
                if has and not _same_value(value, old[spec.attname])
            ]
            if not diff:
                self.result.unchanged[table.name] += 1
                continue
            written.append(values)
            merged = {**old, **{spec.attname: value for spec, value in diff}}
            changed.append(model(**merged))
            changed_fields |= {spec.attname for spec, _ in diff}
            if table.name != "metadata":
                for spec, value in diff:
                    log.append(
                        Metadata(
                            resource_id=values[0],
                            resource_type=table.name,
                            last_action_date=today,
                            last_action_type="update",
                            field_name=spec.name,
                            previous_value=hsds.to_text(spec, old[spec.attname]),
                            replacement_value=hsds.to_text(spec, value),
                            updated_by=self.who,
                        )
                    )
        if changed:
            model._default_manager.bulk_update(changed, sorted(changed_fields), batch_size=500)
            self.result.updated[table.name] += len(changed)
            self._touch([list(column) for column in zip(*written, strict=True)])
        if log:
            Metadata.objects.bulk_create(log, batch_size=500)


def _same_value(new: Any, old: Any) -> bool:
    if isinstance(old, uuid.UUID) and isinstance(new, str):
        return str(old) == new
    return bool(new == old)
