"""The HSDS 3.0 tables: names, files, fields and how values convert to and from JSON and CSV.

One description drives import, export and the API, so the three never disagree.
"""

import datetime as dt
import math
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import models

from hotline.directory import models as m

HSDS_VERSION = "3.0"
UUID_TEXT = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def uuid_key(value: "str | uuid.UUID") -> int:
    """A UUID (text or object) as an int, for compact sets of ids."""
    return value.int if isinstance(value, uuid.UUID) else int(value.replace("-", ""), 16)


@dataclass(frozen=True)
class Field:
    name: str  # the HSDS name
    attname: str  # the model attribute
    kind: str  # uuid, string, number, date, time, datetime
    required: bool = False
    enum: tuple[str, ...] = ()
    max_length: int | None = None
    references: str = ""  # the HSDS table a uuid field points to
    integer: bool = False
    # A reference the standard does not declare a foreign key: one naming nothing is dropped
    # with a warning rather than refused (the official examples name parents they leave out).
    soft: bool = False
    format: str = ""  # email, uri, latitude, longitude: checked as the schemas declare


@dataclass(frozen=True)
class Table:
    name: str
    model: type[models.Model]
    file: str
    fields: tuple[Field, ...]

    @property
    def field_names(self) -> list[str]:
        return [field.name for field in self.fields]


# Our own columns, never exported.
OURS = {"listing_status", "last_verified_at", "confidential"}
RENAMED = {"taxonomy_detail_id": "taxonomy_id"}
REQUIRED = {
    "organization": {"id", "name", "description"},
    "program": {"id", "name", "description", "organization_id"},
    "service": {"id", "name", "status", "organization_id"},
    "location": {"id", "location_type"},
    "service_at_location": {"id", "service_id", "location_id"},
    "contact": {"id"},
    "phone": {"id", "number"},
    "address": {
        "id",
        "address_1",
        "city",
        "state_province",
        "postal_code",
        "country",
        "address_type",
    },
    "schedule": {"id"},
    "language": {"id"},
    "service_area": {"id"},
    "funding": {"id"},
    "cost_option": {"id", "service_id"},
    "required_document": {"id"},
    "accessibility": {"id"},
    "organization_identifier": {"id", "identifier_type", "identifier", "organization_id"},
    "taxonomy": {"id", "name", "description"},
    "taxonomy_term": {"id", "name", "description"},
    "attribute": {"id", "link_id", "taxonomy_term_id", "link_entity"},
    "metadata": {
        "id",
        "resource_id",
        "resource_type",
        "last_action_date",
        "last_action_type",
        "field_name",
        "previous_value",
        "replacement_value",
        "updated_by",
    },
}
# References the standard's datapackage does not declare as foreign keys.
SOFT_REFERENCES = {("organization", "parent_organization_id"), ("taxonomy_term", "parent_id")}
FORMATS = {
    ("organization", "email"): "email",
    ("service", "email"): "email",
    ("service", "assurer_email"): "email",
    ("contact", "email"): "email",
    ("organization", "website"): "uri",
    ("organization", "uri"): "uri",
    ("service", "url"): "uri",
    ("location", "url"): "uri",
    ("schedule", "schedule_link"): "uri",
    ("required_document", "uri"): "uri",
    ("accessibility", "url"): "uri",
    ("taxonomy_term", "term_uri"): "uri",
    ("taxonomy", "uri"): "uri",
    ("location", "latitude"): "latitude",
    ("location", "longitude"): "longitude",
}
ENUMS = {
    ("service", "status"): ("active", "inactive", "defunct", "temporarily closed"),
    ("location", "location_type"): ("physical", "postal", "virtual"),
    ("address", "address_type"): ("physical", "postal", "virtual"),
    ("schedule", "wkst"): ("MO", "TU", "WE", "TH", "FR", "SA", "SU"),
    ("schedule", "freq"): ("WEEKLY", "MONTHLY"),
}

# Dependency order: a table only refers to tables before it (self-references and the deferred
# foreign-key checks of both databases cover the rest).
SPEC = [
    ("taxonomy", m.Taxonomy, "taxonomies.csv"),
    ("taxonomy_term", m.TaxonomyTerm, "taxonomy_terms.csv"),
    ("organization", m.Organization, "organizations.csv"),
    ("program", m.Program, "programs.csv"),
    ("service", m.Service, "services.csv"),
    ("location", m.Location, "locations.csv"),
    ("service_at_location", m.ServiceAtLocation, "service_at_location.csv"),
    ("contact", m.Contact, "contacts.csv"),
    ("phone", m.Phone, "phones.csv"),
    ("address", m.Address, "addresses.csv"),
    ("schedule", m.Schedule, "schedules.csv"),
    ("language", m.Language, "languages.csv"),
    ("service_area", m.ServiceArea, "service_areas.csv"),
    ("funding", m.Funding, "funding.csv"),
    ("cost_option", m.CostOption, "cost_options.csv"),
    ("required_document", m.RequiredDocument, "required_documents.csv"),
    ("accessibility", m.Accessibility, "accessibility.csv"),
    ("organization_identifier", m.OrganizationIdentifier, "organization_identifiers.csv"),
    ("attribute", m.Attribute, "attributes.csv"),
    ("metadata", m.Metadata, "metadata.csv"),
]
MODEL_TABLE = {model: name for name, model, _ in SPEC}


def _kind(field: models.Field) -> str:  # type: ignore[type-arg,unused-ignore]
    if isinstance(field, models.ForeignKey | models.UUIDField):
        return "uuid"
    if isinstance(field, models.IntegerField | models.FloatField):
        return "number"
    if isinstance(field, models.DateTimeField):
        return "datetime"
    if isinstance(field, models.DateField):
        return "date"
    if isinstance(field, models.TimeField):
        return "time"
    return "string"


def _table(name: str, model: type[models.Model], file: str) -> Table:
    fields = []
    for field in model._meta.concrete_fields:
        if field.name in OURS:
            continue
        hsds_name = RENAMED.get(field.attname, field.attname)
        references = ""
        if isinstance(field, models.ForeignKey):
            references = MODEL_TABLE[field.related_model]  # type: ignore[index]
        fields.append(
            Field(
                name=hsds_name,
                attname=field.attname,
                kind=_kind(field),
                required=hsds_name in REQUIRED[name],
                enum=ENUMS.get((name, hsds_name), ()),
                max_length=getattr(field, "max_length", None)
                if isinstance(field, models.CharField)
                else None,
                references=references,
                integer=isinstance(field, models.IntegerField),
                soft=(name, hsds_name) in SOFT_REFERENCES,
                format=FORMATS.get((name, hsds_name), ""),
            )
        )
    return Table(name, model, file, tuple(fields))


TABLES = [_table(*entry) for entry in SPEC]
TABLE = {table.name: table for table in TABLES}
TABLE_BY_FILE = {table.file: table for table in TABLES}


class Invalid(ValueError):
    """A value that does not fit its HSDS field."""


def parse(field: Field, raw: Any, from_text: bool) -> Any:
    """An HSDS value (JSON, or CSV text when `from_text`) as the model stores it. None when
    absent. Raises Invalid with a message."""
    return parser(field, from_text)(raw)


@cache
def parser(field: Field, from_text: bool) -> Callable[[Any], Any]:
    """`parse` for one field, decided once: the importer calls it for every value."""
    kind = field.kind
    if kind == "string":
        enum, max_length = field.enum, field.max_length
        check_format = FORMAT_CHECKS.get(field.format)

        def parse_string(raw: Any) -> Any:
            if raw is None:
                return None
            if not isinstance(raw, str):
                if from_text or isinstance(raw, bool) or not isinstance(raw, int | float):
                    raise Invalid("must be text")
                raw = str(raw)
            if enum and raw and raw not in enum:
                raise Invalid(f"must be one of: {', '.join(enum)}")
            if max_length and len(raw) > max_length:
                raise Invalid(f"is longer than {max_length} characters")
            if check_format and raw:
                check_format(raw)
            return raw

        return parse_string
    if kind == "uuid":
        match = UUID_TEXT.fullmatch

        def parse_uuid(raw: Any) -> Any:
            if raw is None or raw == "":
                return None
            # Kept as canonical text: a million uuid.UUID objects are a third of an import.
            if not isinstance(raw, str) or not match(raw):
                raise Invalid("must be a UUID")
            return raw.lower()

        return parse_uuid
    if kind == "number":
        integer = field.integer
        low, high = RANGES.get(field.format, (-math.inf, math.inf))

        def parse_number(raw: Any) -> Any:
            if raw is None or raw == "":
                return None
            if isinstance(raw, bool):
                raise Invalid("must be a number")
            if isinstance(raw, str):
                if not from_text:
                    raise Invalid("must be a number")
                try:
                    raw = float(raw)
                except ValueError:
                    raise Invalid("must be a number") from None
            if not isinstance(raw, int | float) or not math.isfinite(raw):
                raise Invalid("must be a number")
            if not low <= raw <= high:
                raise Invalid(f"must be a {field.format} between {low:g} and {high:g}")
            if integer:
                if raw != int(raw):
                    raise Invalid("must be a whole number")
                return int(raw)
            return float(raw)

        return parse_number
    convert: Callable[[str], Any] = {
        "date": dt.date.fromisoformat,
        "time": dt.time.fromisoformat,
        "datetime": _datetime,
    }[kind]

    def parse_temporal(raw: Any) -> Any:
        if raw is None or raw == "":
            return None
        if not isinstance(raw, str):
            raise Invalid(f"must be a {kind} in ISO 8601 form")
        try:
            return convert(raw)
        except ValueError:
            raise Invalid(f"must be a {kind} in ISO 8601 form") from None

    return parse_temporal


EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S+")
RANGES = {"latitude": (-90.0, 90.0), "longitude": (-180.0, 180.0)}


def _check_email(raw: str) -> None:
    if not EMAIL.fullmatch(raw):
        raise Invalid("must be an email address")


def _check_uri(raw: str) -> None:
    # An absolute URI (scheme:rest, no spaces), as the schemas' "uri" format asks.
    if not URI.fullmatch(raw):
        raise Invalid("must be an absolute URI (such as https://example.org/)")


FORMAT_CHECKS: dict[str, Callable[[str], None]] = {"email": _check_email, "uri": _check_uri}
FORMAT_PATTERNS = {"email": EMAIL, "uri": URI}


def _datetime(raw: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def to_json(field: Field, value: Any) -> Any:
    """A stored value as HSDS JSON; None for "leave it out"."""
    if value is None or value == "":
        return None
    if field.kind == "uuid":
        return str(value)
    if field.kind == "number":
        return int(value) if float(value).is_integer() else float(value)
    if field.kind in {"date", "time", "datetime"}:
        return value.isoformat()
    return value


def to_text(field: Field, value: Any) -> str:
    """A stored value as a CSV cell."""
    json_value = to_json(field, value)
    return "" if json_value is None else str(json_value)


def row_of(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """A row (model attribute -> value, e.g. from `.values()`) as an HSDS JSON object."""
    out = {}
    for field in table.fields:
        value = to_json(field, values.get(field.attname))
        if value is not None:
            out[field.name] = value
    return out


def model_kwargs(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    """A parsed HSDS row as model keyword arguments: absent text is the empty string."""
    kwargs = {}
    for field in table.fields:
        value = row.get(field.name)
        if value is None and field.kind == "string":
            value = ""
        kwargs[field.attname] = value
    return kwargs
