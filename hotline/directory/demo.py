"""Demo and benchmark data: the real national entries the seeds name, and a generated, clearly
fictional directory spread over every state and DC. Deterministic: the same arguments give the
same rows and ids every time."""

import csv
import json
import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from hotline.directory import geo, profile

Row = dict[str, Any]
STATES = {
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN",
    "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH",
    "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT",
    "VT", "VA", "WA", "WV", "WI", "WY",
}  # fmt: skip
ADJECTIVES = [
    "Bright", "Harbor", "Cedar", "Open", "Safe", "River", "Lantern", "Summit", "Willow",
    "Compass", "Beacon", "Meadow", "Anchor", "Northstar", "Haven", "Granite", "Maple", "Prairie",
]  # fmt: skip
NOUNS = [
    "Path", "Door", "Bridge", "Light", "Circle", "Home", "Hands", "Voices", "Road", "Way",
    "Ground", "Shore", "Table", "Gate",
]  # fmt: skip
KIND_WEIGHTS = [
    ("service_provider", 70),
    ("law_enforcement", 8),
    ("task_force", 8),
    ("coalition", 6),
    ("government", 4),
    ("individual_expert", 4),
]
KIND_NAMES = {
    "service_provider": "Survivor Services",
    "law_enforcement": "Police Department Anti-Trafficking Unit",
    "task_force": "Human Trafficking Task Force",
    "coalition": "Rescue & Restore Coalition",
    "government": "County Office of Victim Services",
    "individual_expert": "Training and Consulting",
}
CATEGORY_BY_KIND = {
    "law_enforcement": ["investigation"],
    "task_force": ["investigation", "training", "case_management"],
    "coalition": ["training", "case_management"],
    "government": ["case_management", "basic_needs", "medical"],
    "individual_expert": ["training"],
}
SERVICE_CATEGORIES = [v for v, _ in profile.choices("category") if v not in {"investigation"}]
POPULATIONS = [v for v, _ in profile.choices("population")]
OTHER_LANGUAGES = ["zh", "vi", "ko", "tl", "ru", "ar", "ht", "fr", "pt", "hi", "th", "uk", "asl"]


def ns_id(*parts: object) -> str:
    return str(uuid.uuid5(profile.NAMESPACE, "demo:" + ":".join(str(p) for p in parts)))


def _zips_by_state() -> dict[str, list[geo.Place]]:
    by_state: dict[str, list[geo.Place]] = {}
    for place in geo.all_zips():
        if place.state in STATES:
            by_state.setdefault(place.state, []).append(place)
    return by_state


def _attr(link: str, code: str) -> Row:
    return profile.attribute_row(link, profile.TERM_BY_CODE[code])


def national_entries() -> Iterator[tuple[str, Row]]:
    """The national lines the seeds and DOMAIN.md name."""
    entries = [
        (
            "nhtrc",
            "National Human Trafficking Resource Center (NHTRC)",
            "The national, 24-hour, toll-free, multilingual anti-trafficking hotline, funded by "
            "HHS and operated by Polaris Project: crisis calls, tips, referrals, training and "
            "technical assistance. Text HELP or INFO to BeFree (233733).",
            "1-888-3737-888",
            "NHTRC@PolarisProject.org",
            "service_provider",
            ["crisis_line", "training", "case_management"],
            True,
            ["en", "es"],
        ),
        (
            "doj",
            "U.S. Department of Justice Worker Exploitation Complaint Line",
            "Report suspected human trafficking or worker exploitation, weekdays 9 AM - 5 PM "
            "Eastern; translation in most languages and TTY; after hours a message service in "
            "English, Spanish, Russian and Mandarin.",
            "1-888-428-7581",
            "",
            "government",
            ["investigation"],
            False,
            ["en", "es", "ru", "zh"],
        ),
        (
            "hhs-rr",
            "HHS Rescue & Restore Victims of Human Trafficking Campaign",
            "The U.S. Department of Health and Human Services campaign that supports local "
            "Rescue & Restore coalitions (www.rescueandrestore.org, www.acf.hhs.gov/trafficking).",
            "",
            "",
            "government",
            ["training"],
            False,
            ["en"],
        ),
        (
            "ice-hsi",
            "ICE Homeland Security Investigations Tip Line",
            "Report suspected trafficking to federal investigators.",
            "1-866-347-2423",
            "",
            "law_enforcement",
            ["investigation"],
            True,
            ["en", "es"],
        ),
        (
            "ncmec",
            "National Center for Missing & Exploited Children",
            "Report the suspected exploitation of a child.",
            "1-800-843-5678",
            "",
            "service_provider",
            ["crisis_line"],
            True,
            ["en", "es"],
        ),
        (
            "dol-whd",
            "U.S. Department of Labor Wage and Hour Division",
            "Complaints about unpaid wages and labor exploitation.",
            "1-866-487-9243",
            "",
            "government",
            ["investigation", "employment"],
            False,
            ["en", "es"],
        ),
    ]
    for key, name, description, number, email, kind, categories, always, languages in entries:
        org, service = ns_id("national", key), ns_id("national", key, "service")
        yield "organization", {"id": org, "name": name, "description": description, "email": email}
        yield "attribute", _attr(org, f"org_kind:{kind}")
        yield (
            "service",
            {
                "id": service,
                "organization_id": org,
                "name": name,
                "description": description,
                "status": "active",
            },
        )
        yield (
            "service_area",
            {"id": ns_id("national", key, "area"), "service_id": service, "name": "United States"},
        )
        if number:
            yield (
                "phone",
                {
                    "id": ns_id("national", key, "phone"),
                    "service_id": service,
                    "number": number,
                    "type": "voice",
                },
            )
        for code in languages:
            yield (
                "language",
                {
                    "id": ns_id("national", key, "lang", code),
                    "service_id": service,
                    "code": code,
                    "name": profile.LANGUAGE_ENGLISH_NAMES[code],
                },
            )
        for category in categories:
            yield "attribute", _attr(service, f"category:{category}")
        for code in [
            "trafficking_type:sex",
            "trafficking_type:labor",
            "population:minors",
            "population:adults",
            "feature:no_le_report",
        ]:
            if kind == "law_enforcement" and code == "feature:no_le_report":
                continue
            yield "attribute", _attr(service, code)
        if always:
            yield "attribute", _attr(service, "feature:open_24_7")
        if key == "nhtrc":
            yield "attribute", _attr(service, "feature:warm_transfer")


def generate(
    organizations: int, services: int, locations: int, seed: int = 4
) -> Iterator[tuple[str, Row]]:
    """Taxonomy, national entries, then `organizations` fictional organizations offering
    `services` services at `locations` locations in all, spread over every state and DC."""
    rng = random.Random(seed)  # noqa: S311 (demo data, not secrets)
    for table, rows in profile.taxonomy_rows().items():
        for row in rows:
            yield table, row
    yield from national_entries()
    by_state = _zips_by_state()
    states = sorted(by_state)
    # Organizations cluster where people live: a city is picked with a weight of its number of
    # ZIP codes squared, then a ZIP code in it.
    cities: dict[str, tuple[list[list[geo.Place]], list[int]]] = {}
    for state, places in by_state.items():
        grouped: dict[str, list[geo.Place]] = {}
        for place in places:
            grouped.setdefault(place.city, []).append(place)
        groups = [grouped[city] for city in sorted(grouped)]
        cities[state] = (groups, [len(group) ** 2 for group in groups])
    kinds = [kind for kind, weight in KIND_WEIGHTS for _ in range(weight)]
    # Services and locations dealt to organizations round-robin, the remainder at random.
    service_counts = [services // organizations] * organizations
    for i in rng.sample(range(organizations), services % organizations):
        service_counts[i] += 1
    extra_locations = max(0, locations - services)
    for i in range(organizations):
        state = states[i % len(states)]
        groups, weights = cities[state]
        home = rng.choice(rng.choices(groups, weights)[0])
        kind = rng.choice(kinds)
        org = ns_id("org", i)
        words = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {KIND_NAMES[kind]}"
        name = f"{words} of {home.city} (fictional)"
        yield (
            "organization",
            {
                "id": org,
                "name": name,
                "description": f"A fictional {profile.TERM_BY_CODE['org_kind:' + kind].label} "
                "for demonstrations.",
                "email": f"contact{i}@example.org",
                "website": f"https://org{i}.example.org",
            },
        )
        yield "attribute", _attr(org, f"org_kind:{kind}")
        for s in range(service_counts[i]):
            service = ns_id("org", i, "service", s)
            categories = CATEGORY_BY_KIND.get(kind) or rng.sample(
                SERVICE_CATEGORIES, rng.choice([1, 1, 2])
            )
            category = categories[0] if kind == "service_provider" else rng.choice(categories)
            label = str(profile.TERM_BY_CODE[f"category:{category}"].label)
            populations = rng.sample(POPULATIONS, rng.randint(1, 4))
            languages = (
                ["en"]
                + (["es"] if rng.random() < 0.45 else [])
                + ([rng.choice(OTHER_LANGUAGES)] if rng.random() < 0.15 else [])
            )
            always = rng.random() < 0.1
            yield (
                "service",
                {
                    "id": service,
                    "organization_id": org,
                    "name": f"{label} ({home.city})",
                    "description": f"{label} for survivors of trafficking. Fictional demo listing.",
                    "status": "active",
                },
            )
            yield (
                "phone",
                {
                    "id": ns_id("org", i, "phone", s),
                    "service_id": service,
                    "number": f"555-01{rng.randint(0, 99):02d}",
                    "type": "voice",
                },
            )
            for code in languages:
                yield (
                    "language",
                    {
                        "id": ns_id("org", i, "lang", s, code),
                        "service_id": service,
                        "code": code,
                        "name": profile.LANGUAGE_ENGLISH_NAMES[code],
                    },
                )
            yield "attribute", _attr(service, f"category:{category}")
            for population in populations:
                yield "attribute", _attr(service, f"population:{population}")
            for traffic in rng.sample(["sex", "labor"], rng.choice([1, 2, 2])):
                yield "attribute", _attr(service, f"trafficking_type:{traffic}")
            if always:
                yield "attribute", _attr(service, "feature:open_24_7")
            else:
                yield (
                    "schedule",
                    {
                        "id": ns_id("org", i, "schedule", s),
                        "service_id": service,
                        "freq": "WEEKLY",
                        "byday": "MO,TU,WE,TH,FR",
                        "opens_at": "09:00:00",
                        "closes_at": "17:00:00",
                    },
                )
            if rng.random() < 0.3:
                yield "attribute", _attr(service, "feature:warm_transfer")
            if kind != "law_enforcement" and rng.random() < 0.5:
                yield "attribute", _attr(service, "feature:no_le_report")
            count = 1
            if extra_locations and rng.random() < locations / services - 1:
                count, extra_locations = 2, extra_locations - 1
            for n in range(count):
                place = home if n == 0 else rng.choice(by_state[state])
                location = ns_id("org", i, "loc", s, n)
                confidential = category == "shelter" and rng.random() < 0.5
                yield (
                    "location",
                    {
                        "id": location,
                        "location_type": "physical",
                        "organization_id": org,
                        "name": f"{place.city} office",
                        "latitude": round(place.latitude + rng.uniform(-0.03, 0.03), 5),
                        "longitude": round(place.longitude + rng.uniform(-0.03, 0.03), 5),
                    },
                )
                yield (
                    "address",
                    {
                        "id": ns_id("org", i, "addr", s, n),
                        "location_id": location,
                        "address_1": f"{rng.randint(1, 9999)} {rng.choice(NOUNS)} Street",
                        "city": place.city,
                        "state_province": place.state,
                        "postal_code": place.postal_code,
                        "country": "US",
                        "address_type": "physical",
                    },
                )
                yield (
                    "service_at_location",
                    {
                        "id": ns_id("org", i, "sal", s, n),
                        "service_id": service,
                        "location_id": location,
                    },
                )
                if confidential:
                    yield "attribute", _attr(location, "location:confidential")


def tables(rows: Iterator[tuple[str, Row]]) -> dict[str, list[Row]]:
    out: dict[str, list[Row]] = {}
    for table, row in rows:
        out.setdefault(table, []).append(row)
    return out


def write_csv_package(directory: Path, rows: Iterator[tuple[str, Row]]) -> dict[str, int]:
    """Stream rows into an HSDS CSV datapackage (datapackage.json and one CSV per table)."""
    from hotline.directory.exporter import datapackage
    from hotline.directory.hsds import TABLE, TABLES

    directory.mkdir(parents=True, exist_ok=True)
    handles = {t.name: open(directory / t.file, "w", newline="", encoding="utf-8") for t in TABLES}  # noqa: SIM115
    writers = {}
    for table in TABLES:
        writers[table.name] = csv.DictWriter(handles[table.name], fieldnames=table.field_names)
        writers[table.name].writeheader()
    counts: dict[str, int] = {}
    try:
        for table_name, row in rows:
            writers[TABLE[table_name].name].writerow(row)
            counts[table_name] = counts.get(table_name, 0) + 1
    finally:
        for handle in handles.values():
            handle.close()
    (directory / "datapackage.json").write_text(json.dumps(datapackage(), indent=1))
    return counts
