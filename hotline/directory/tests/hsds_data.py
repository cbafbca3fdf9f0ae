"""Small HSDS datasets for tests, built in code so that every test knows exactly what is in them."""

import json
import uuid
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from hotline.directory import profile

NS = uuid.UUID("0b5e5a52-7a2e-4f0c-9d7e-4a8c3b1f0e21")
SECRET_ADDRESS = "4242 Hidden Refuge Lane"
SECRET_LATITUDE = 41.87654
SECRET_LONGITUDE = -87.65432


def uid(name: str) -> str:
    return str(uuid.uuid5(NS, name))


def attr(link: str, code: str) -> dict[str, Any]:
    return profile.attribute_row(link, profile.TERM_BY_CODE[code])


def package() -> dict[str, list[dict[str, Any]]]:
    """Tables by HSDS name: two organizations in Chicago, one with a confidential shelter, and a
    national hotline."""
    tax = profile.taxonomy_rows()
    org_a, org_b, org_n = uid("org-a"), uid("org-b"), uid("org-national")
    svc_a, svc_b, svc_b2, svc_n = uid("svc-a"), uid("svc-b"), uid("svc-b2"), uid("svc-n")
    loc_a, loc_b, loc_secret = uid("loc-a"), uid("loc-b"), uid("loc-secret")
    return {
        "taxonomy": tax["taxonomy"],
        "taxonomy_term": tax["taxonomy_term"],
        "organization": [
            {
                "id": org_a,
                "name": "Lakeshore Survivor Services (fictional)",
                "description": "Case management and legal help for survivors.",
                "email": "help@lakeshore.example",
                "website": "https://lakeshore.example",
                "year_incorporated": 2004,
            },
            {
                "id": org_b,
                "name": "Prairie Youth Shelter (fictional)",
                "description": "Emergency shelter for young people.",
            },
            {
                "id": org_n,
                "name": "National Human Trafficking Hotline",
                "description": "24/7 national hotline.",
            },
        ],
        "program": [
            {
                "id": uid("prog-a"),
                "organization_id": org_a,
                "name": "Legal",
                "description": "Legal program",
            }
        ],
        "service": [
            {
                "id": svc_a,
                "organization_id": org_a,
                "program_id": uid("prog-a"),
                "name": "Survivor legal clinic",
                "description": "Immigration and T-visa legal help.",
                "status": "active",
                "minimum_age": 18,
                "assured_date": "2025-01-15",
            },
            {
                "id": svc_b,
                "organization_id": org_b,
                "name": "Youth emergency shelter",
                "description": "Beds for minors, Spanish spoken.",
                "status": "active",
                "maximum_age": 21,
            },
            {
                "id": svc_b2,
                "organization_id": org_b,
                "name": "Drop-in counseling",
                "description": "Counseling for young people.",
                "status": "active",
            },
            {
                "id": svc_n,
                "organization_id": org_n,
                "name": "Hotline",
                "description": "Call 1-888-373-7888 any time.",
                "status": "active",
            },
        ],
        "location": [
            {
                "id": loc_a,
                "location_type": "physical",
                "organization_id": org_a,
                "name": "Loop office",
                "latitude": 41.8858,
                "longitude": -87.6181,
            },
            {
                "id": loc_b,
                "location_type": "physical",
                "organization_id": org_b,
                "name": "Drop-in center",
                "latitude": 41.9,
                "longitude": -87.7,
            },
            {
                "id": loc_secret,
                "location_type": "physical",
                "organization_id": org_b,
                "name": "Shelter",
                "latitude": SECRET_LATITUDE,
                "longitude": SECRET_LONGITUDE,
                "transportation": "Near the Hidden Refuge bus stop",
            },
        ],
        "service_at_location": [
            {"id": uid("sal-a"), "service_id": svc_a, "location_id": loc_a},
            {"id": uid("sal-b"), "service_id": svc_b, "location_id": loc_secret},
            {"id": uid("sal-b2"), "service_id": svc_b2, "location_id": loc_b},
        ],
        "contact": [
            {
                "id": uid("contact-a"),
                "organization_id": org_a,
                "name": "Intake desk",
                "title": "Intake",
            }
        ],
        "phone": [
            {"id": uid("phone-a"), "service_id": svc_a, "number": "312-555-0100", "type": "voice"},
            {
                "id": uid("phone-secret"),
                "location_id": loc_secret,
                "number": "312-555-0199",
                "type": "voice",
            },
            {"id": uid("phone-contact"), "contact_id": uid("contact-a"), "number": "312-555-0101"},
            {
                "id": uid("phone-n"),
                "service_id": svc_n,
                "number": "1-888-373-7888",
                "type": "voice",
            },
        ],
        "address": [
            {
                "id": uid("addr-a"),
                "location_id": loc_a,
                "address_1": "100 Example Plaza",
                "city": "Chicago",
                "state_province": "IL",
                "postal_code": "60601",
                "country": "US",
                "address_type": "physical",
            },
            {
                "id": uid("addr-b"),
                "location_id": loc_b,
                "address_1": "200 Sample Street",
                "city": "Chicago",
                "state_province": "IL",
                "postal_code": "60647",
                "country": "US",
                "address_type": "physical",
            },
            {
                "id": uid("addr-secret"),
                "location_id": loc_secret,
                "address_1": SECRET_ADDRESS,
                "city": "Chicago",
                "state_province": "IL",
                "postal_code": "60608",
                "country": "US",
                "address_type": "physical",
            },
        ],
        "schedule": [
            {
                "id": uid("sched-a"),
                "service_id": svc_a,
                "freq": "WEEKLY",
                "byday": "MO,TU,WE,TH,FR",
                "opens_at": "09:00:00",
                "closes_at": "17:00:00",
            },
        ],
        "language": [
            {"id": uid("lang-a-en"), "service_id": svc_a, "name": "English", "code": "en"},
            {"id": uid("lang-b-es"), "service_id": svc_b, "name": "Spanish", "code": "es"},
            {"id": uid("lang-b-en"), "service_id": svc_b, "name": "English", "code": "en"},
            {"id": uid("lang-b2-es"), "service_id": svc_b2, "name": "Spanish", "code": "es"},
            {"id": uid("lang-n-es"), "service_id": svc_n, "name": "Spanish", "code": "es"},
        ],
        "service_area": [
            {
                "id": uid("area-n"),
                "service_id": svc_n,
                "name": "United States",
                "extent_type": "other",
            }
        ],
        "funding": [{"id": uid("fund-a"), "organization_id": org_a, "source": "Grants"}],
        "cost_option": [
            {
                "id": uid("cost-a"),
                "service_id": svc_a,
                "option": "Free",
                "amount": 0,
                "currency": "USD",
            }
        ],
        "required_document": [
            {"id": uid("doc-a"), "service_id": svc_a, "document": "None required"}
        ],
        "accessibility": [
            {"id": uid("acc-a"), "location_id": loc_a, "description": "Step-free entrance"}
        ],
        "organization_identifier": [
            {
                "id": uid("oid-a"),
                "organization_id": org_a,
                "identifier_type": "EIN",
                "identifier": "00-0000000",
            }
        ],
        "attribute": [
            attr(svc_a, "category:legal"),
            attr(svc_a, "category:immigration_legal"),
            attr(svc_a, "population:adults"),
            attr(svc_a, "population:t_visa"),
            attr(svc_a, "trafficking_type:labor"),
            attr(svc_b, "category:shelter"),
            attr(svc_b, "population:minors"),
            attr(svc_b, "trafficking_type:sex"),
            attr(svc_b, "feature:open_24_7"),
            attr(svc_b, "feature:warm_transfer"),
            attr(svc_b2, "category:mental_health"),
            attr(svc_b2, "population:minors"),
            attr(svc_b2, "population:lgbtq_youth"),
            attr(svc_n, "category:crisis_line"),
            attr(svc_n, "population:minors"),
            attr(svc_n, "feature:open_24_7"),
            attr(loc_secret, "location:confidential"),
            attr(org_a, "org_kind:service_provider"),
            attr(org_n, "org_kind:service_provider"),
        ],
        "metadata": [
            {
                "id": uid("meta-a"),
                "resource_id": svc_a,
                "resource_type": "service",
                "last_action_date": "2024-05-01",
                "last_action_type": "update",
                "field_name": "name",
                "previous_value": "Legal clinic",
                "replacement_value": "Survivor legal clinic",
                "updated_by": "Curator",
            }
        ],
    }


def as_tabular_json(tables: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    from hotline.directory.hsds import TABLE

    return {TABLE[name].file: rows for name, rows in tables.items()}


def schema_dir() -> Path:
    return Path(settings.BASE_DIR).parent / "shared" / "hsds-3.0" / "schema"


@cache
def _registry() -> Registry:
    resources = []
    for path in schema_dir().glob("*.json"):
        if path.name == "openapi.json":
            continue
        contents = json.loads(path.read_text())
        resources.append((path.name, Resource.from_contents(contents, DRAFT202012)))
    return Registry().with_resources(resources)


def validator(name: str) -> Draft202012Validator:
    """A validator for schema/NAME.json or schema/compiled/NAME.json ("compiled/service")."""
    schema = json.loads((schema_dir() / f"{name}.json").read_text())
    return Draft202012Validator(schema, registry=_registry())


def assert_valid(name: str, instance: Any) -> None:
    errors = sorted(validator(name).iter_errors(instance), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
