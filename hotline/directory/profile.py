"""What HSDS cannot say about anti-trafficking work, as terms of our own taxonomy.

Each term has a stable code `group:value` and an id derived from it, so that every install and
every export names the same term with the same UUID. Attributes link these terms to services
(trafficking types, populations, features, categories), to locations (confidential) and to
organizations (kind).
"""

import uuid
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

NAMESPACE = uuid.UUID("6f1c6c1e-4a39-4f57-9c0e-2d1f3b7a9e11")
TAXONOMY_ID = uuid.uuid5(NAMESPACE, "taxonomy:hotline-profile")
TAXONOMY_NAME = "Hotline anti-trafficking profile"


@dataclass(frozen=True)
class Group:
    code: str
    label: Promise
    entity: str  # the HSDS table its attributes link to

    @property
    def id(self) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"group:{self.code}")


@dataclass(frozen=True)
class Term:
    group: str
    value: str
    label: Promise

    @property
    def code(self) -> str:
        return f"{self.group}:{self.value}"

    @property
    def id(self) -> uuid.UUID:
        return uuid.uuid5(NAMESPACE, f"term:{self.code}")


GROUPS = [
    Group("trafficking_type", _("Trafficking types served"), "service"),
    Group("population", _("Populations served"), "service"),
    Group("category", _("Service category"), "service"),
    Group("feature", _("Features"), "service"),
    Group("location", _("Location"), "location"),
    Group("org_kind", _("Kind of organization"), "organization"),
]
GROUP_BY_CODE = {group.code: group for group in GROUPS}

TERMS = [
    Term("trafficking_type", "sex", _("Sex trafficking")),
    Term("trafficking_type", "labor", _("Labor trafficking")),
    Term("population", "minors", _("Minors")),
    Term("population", "adults", _("Adults")),
    Term("population", "women", _("Women")),
    Term("population", "men", _("Men")),
    Term("population", "transgender", _("Transgender and gender-diverse people")),
    Term("population", "foreign_nationals", _("Foreign nationals")),
    Term("population", "t_visa", _("T-visa and immigration help")),
    Term("population", "undocumented", _("Undocumented people")),
    Term("population", "lgbtq_youth", _("LGBTQ+ youth")),
    Term("category", "shelter", _("Shelter and housing")),
    Term("category", "case_management", _("Case management")),
    Term("category", "legal", _("Legal services")),
    Term("category", "immigration_legal", _("Immigration legal help")),
    Term("category", "medical", _("Medical care")),
    Term("category", "mental_health", _("Mental health and counseling")),
    Term("category", "substance_use", _("Substance use treatment")),
    Term("category", "crisis_line", _("Crisis line")),
    Term("category", "basic_needs", _("Food, clothing and basic needs")),
    Term("category", "employment", _("Employment and education")),
    Term("category", "interpretation", _("Interpretation")),
    Term("category", "investigation", _("Investigation and law enforcement")),
    Term("category", "training", _("Training and technical assistance")),
    Term("feature", "open_24_7", _("Open 24/7")),
    Term("feature", "warm_transfer", _("Accepts warm transfers")),
    Term("feature", "no_le_report", _("No law-enforcement report required")),
    Term("location", "confidential", _("Confidential location")),
    Term("org_kind", "service_provider", _("Service provider")),
    Term("org_kind", "law_enforcement", _("Law enforcement agency")),
    Term("org_kind", "task_force", _("Task force")),
    Term("org_kind", "coalition", _("Coalition (e.g. Rescue & Restore)")),
    Term("org_kind", "government", _("Government agency")),
    Term("org_kind", "individual_expert", _("Individual expert or trainer")),
]
TERM_BY_CODE = {term.code: term for term in TERMS}
TERM_BY_ID = {term.id: term for term in TERMS}
CONFIDENTIAL = TERM_BY_CODE["location:confidential"]


def choices(group: str) -> list[tuple[str, Promise]]:
    return [(term.value, term.label) for term in TERMS if term.group == group]


# Languages offered in search (ISO 639-1 codes as HSDS language.code); a deployment may extend.
LANGUAGES: list[tuple[str, Promise]] = [
    ("en", _("English")),
    ("es", _("Spanish")),
    ("zh", _("Chinese")),
    ("vi", _("Vietnamese")),
    ("ko", _("Korean")),
    ("tl", _("Tagalog")),
    ("ru", _("Russian")),
    ("ar", _("Arabic")),
    ("ht", _("Haitian Creole")),
    ("fr", _("French")),
    ("pt", _("Portuguese")),
    ("hi", _("Hindi")),
    ("th", _("Thai")),
    ("uk", _("Ukrainian")),
    ("asl", _("American Sign Language")),
]
LANGUAGE_NAMES = dict(LANGUAGES)
LANGUAGE_ENGLISH_NAMES = {
    "en": "English",
    "es": "Spanish",
    "zh": "Chinese",
    "vi": "Vietnamese",
    "ko": "Korean",
    "tl": "Tagalog",
    "ru": "Russian",
    "ar": "Arabic",
    "ht": "Haitian Creole",
    "fr": "French",
    "pt": "Portuguese",
    "hi": "Hindi",
    "th": "Thai",
    "uk": "Ukrainian",
    "asl": "American Sign Language",
}


def taxonomy_rows() -> dict[str, list[dict[str, object]]]:
    """Our taxonomy as HSDS rows, ready for the importer."""
    taxonomy: dict[str, object] = {
        "id": str(TAXONOMY_ID),
        "name": TAXONOMY_NAME,
        "description": "Anti-trafficking facts HSDS has no field for: trafficking types, "
        "populations, features, confidential locations, kinds of organization.",
        "version": "1",
    }
    terms: list[dict[str, object]] = []
    for group in GROUPS:
        terms.append(
            {
                "id": str(group.id),
                "code": group.code,
                "name": str(group.label),
                "description": f"Applies to {group.entity} rows.",
                "taxonomy": TAXONOMY_NAME,
                "taxonomy_id": str(TAXONOMY_ID),
            }
        )
    for term in TERMS:
        terms.append(
            {
                "id": str(term.id),
                "code": term.code,
                "name": str(term.label),
                "description": str(term.label),
                "parent_id": str(GROUP_BY_CODE[term.group].id),
                "taxonomy": TAXONOMY_NAME,
                "taxonomy_id": str(TAXONOMY_ID),
            }
        )
    return {"taxonomy": [taxonomy], "taxonomy_term": terms}


def attribute_id(link_id: uuid.UUID | str, term: Term) -> str:
    """A stable id for "this row has this term", so that re-applying it never duplicates."""
    return str(uuid.uuid5(NAMESPACE, f"attribute:{link_id}:{term.code}"))


def attribute_row(link_id: uuid.UUID | str, term: Term) -> dict[str, object]:
    return {
        "id": attribute_id(link_id, term),
        "link_id": str(link_id),
        "taxonomy_term_id": str(term.id),
        "link_type": term.group,
        "link_entity": GROUP_BY_CODE[term.group].entity,
        "value": "",
    }
