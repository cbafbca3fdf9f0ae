"""The seed library against seed 000: every resource it names, each item of both sets."""

from pathlib import Path

import pytest

from hotline.audit.models import AuditEvent
from hotline.library.actions import SeedError, load_seed
from hotline.library.models import Audience, AudienceCode, Collection, Resource

pytestmark = pytest.mark.django_db

# Seed 000, in its order, as the seed writes each title.
SEED_RESOURCES = [
    "Assessment Tool for Health Care Provider Human Trafficking Training",
    "Assisting Foreign Child Trafficking Victims",
    "Gang-Involved Sex Trafficking",
    "Comprehensive Human Trafficking Assessment",
    "Human Trafficking Assessment for Medical Professionals",
    "Medical Assessment Tool",
    "Identifying Victims of Human Trafficking",
    "Potential Trafficking Indicators",
    "Understanding Victim’s Mindsets",  # noqa: RUF001 (as the seed writes it)
    "Human Trafficking Power and Control Wheel",
    "Trauma Treatment and Mental Health Recovery for Victims of Human Trafficking",
    "Study of Programs Serving Human Trafficking Victims",
    "Case Management and the Victim of Human Trafficking",
    "Addressing the Needs of Victims of Trafficking",
    "Community Model Action Plan",
    "Comprehensive Local Model for Combatting Human Trafficking",
    "Community Needs Assessment – Denver",  # noqa: RUF001 (as the seed writes it)
    "Counter-Trafficking Tactics and Strategies At-A-Glance",
    "Residential Facilities for Minor Victims of Domestic Sex Trafficking",
    "HHS Child Victims Fact Sheet",
    "Introducing Human Trafficking to Runaway and Homeless Youth (RHY) Programs",
    "Requesting Assistance from HHS for Child Victims of Human Trafficking",
    "First Aid Kit For Use By Law Enforcement Responders in Addressing Human Trafficking",
    "VITA (Victim Translation Assistance) Tool",
    "100 Best Practices in Combating Trafficking in Persons: The Role of Civil Society",
    "Addressing the Internal Wounds: The Psychological Aftermath of Human Trafficking",
    "Victim’s Empowerment and Access",  # noqa: RUF001 (as the seed writes it)
    "Victim Protections: Principles for Progress",
    "The Benefits of Smart Raids vs. Blind Sweeps",
    "Victim Protection Checklist",
    "DHS Blue Campaign Video for First Responders",
    "IOM Handbook on Direct Assistance for Victims of Trafficking",
    "Caring for Trafficked Persons: Guidance for Health Providers",
    "Committee on Health Care for Underserved Women: Human Trafficking Fact Sheet",
    "The Costly Business of Human Trafficking",
    "Human Trafficking Information and Resources for Emergency Healthcare Providers",
    "Services Available to Victims of Human Trafficking: A Resource Guide for Social Service "
    "Providers",
    "Ethical and Safety Recommendations for Interviewing Trafficked Women",
    "Rescue & Restore: Victims of Human Trafficking",
    "Contact Information for Local Rescue and Restore Coalitions",
]
SEED_SETS = {
    "Rescue & Restore Campaign Brochures": [
        "Health Care Providers",
        "Social Service Organizations",
        "Child Exploitation",
        "Health Care Provider Assessment Card",
        "Pocket Assessment Card",
        "National Human Trafficking Resource Center Rolodex Card",
    ],
    "Rescue & Restore Campaign Posters": [
        "Social Service",
        "Child Exploitation",
        "Social Service Migrant",
        "Health Care",
        "Sex Trafficking",
        "Labor Trafficking",
        "Domestic Servitude",
    ],
}
# The seed's navigation.
SEED_NAVIGATION = [
    AudienceCode.VICTIMS,
    AudienceCode.INDIVIDUALS,
    AudienceCode.FIRST_RESPONDERS,
    AudienceCode.LAW_ENFORCEMENT,
    AudienceCode.BUSINESSES,
    AudienceCode.LEGAL,
    AudienceCode.NGOS,
]


@pytest.fixture
def seeded() -> None:
    load_seed()


def test_every_resource_of_the_seed_is_loaded_once(seeded: None) -> None:
    expected = len(SEED_RESOURCES) + sum(len(items) for items in SEED_SETS.values())
    assert expected == 53
    assert Resource.objects.count() == expected
    titles = list(Resource.objects.values_list("title", flat=True))
    for title in SEED_RESOURCES:
        assert titles.count(title) == 1, title


def test_each_item_of_both_sets_is_in_its_collection_in_seed_order(seeded: None) -> None:
    assert Collection.objects.count() == len(SEED_SETS)
    for title, names in SEED_SETS.items():
        collection = Collection.objects.get(title=title)
        items = [item.resource.title for item in collection.items.select_related("resource")]
        assert len(items) == len(names), title
        for item, name in zip(items, names, strict=True):
            assert item.endswith(name), (title, item, name)


def test_seed_resources_are_described_as_the_seed_says(seeded: None) -> None:
    def get(title: str) -> Resource:
        return Resource.objects.get(title=title)

    assert str(get("Medical Assessment Tool").publisher) == "Polaris Project"
    assert get("Medical Assessment Tool").resource_type == "assessment_tool"
    assert get("Gang-Involved Sex Trafficking").resource_type == "online_training"
    assert set(get("Gang-Involved Sex Trafficking").topics.values_list("code", flat=True)) >= {
        "gang_trafficking",
        "sex_trafficking",
    }
    assert "UNODC" in str(get(SEED_RESOURCES[22]).publisher)
    assert get("DHS Blue Campaign Video for First Responders").resource_type == "video"
    assert get("Rescue & Restore Poster: Domestic Servitude").resource_type == "poster"
    assert get("Pocket Assessment Card").resource_type == "card"
    # The seed names no publisher for these two: none is invented.
    assert (
        get("Assessment Tool for Health Care Provider Human Trafficking Training").publisher is None
    )
    assert get(SEED_RESOURCES[36]).publisher is None


def test_no_link_is_invented_and_every_resource_has_an_audience(seeded: None) -> None:
    assert not Resource.objects.exclude(url="").exists()
    assert not Resource.objects.filter(audiences=None).exists()
    for code in SEED_NAVIGATION:
        audience = Audience.objects.get(code=code)
        assert audience.resources.count() >= 3, code


def test_loading_again_changes_nothing_curators_did(seeded: None) -> None:
    resource = Resource.objects.get(slug="medical-assessment-tool")
    resource.title = "Medical Assessment Tool (2nd edition)"
    resource.save()
    result = load_seed()
    assert result.created == 0
    assert Resource.objects.count() == 53
    resource.refresh_from_db()
    assert resource.title == "Medical Assessment Tool (2nd edition)"
    assert AuditEvent.objects.filter(action="library.seed_load").count() == 2


def test_a_bad_seed_entry_loads_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[resource]]\nslug = "a"\ntitle = "A"\ntype = "fact_sheet"\naudiences = ["victims"]\n'
        '[[resource]]\nslug = "b"\ntitle = "B"\ntype = "fact_sheet"\naudiences = ["victims"]\n'
        'topics = ["no_such_topic"]\n'
    )
    with pytest.raises(SeedError, match="no_such_topic"):
        load_seed(bad)
    assert not Resource.objects.exists()
