import pytest
from django.db import connection

from hotline.library import search
from hotline.library.actions import ensure_vocabulary, load_seed
from hotline.library.models import Audience, Publisher, Resource, Topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded() -> None:
    load_seed()


def titles(query: str, **kwargs: bool) -> list[str]:
    by_id = Resource.objects.in_bulk(search.search(query, **kwargs))
    return [by_id[pk].title for pk in search.search(query, **kwargs)]


def make(title: str, summary: str = "", **fields: object) -> Resource:
    ensure_vocabulary()
    resource = Resource.objects.create(
        slug=title.lower().replace(" ", "-"),
        title=title,
        summary=summary,
        resource_type="fact_sheet",
        **fields,
    )
    resource.audiences.set([Audience.objects.get(code="victims")])
    return resource


def test_a_misspelt_word_still_finds_what_it_meant(seeded: None) -> None:
    found = titles("polaris assesment")
    assert found, "nothing found"
    assert "Assessment" in found[0]
    assert {"Comprehensive Human Trafficking Assessment", "Medical Assessment Tool"} <= set(found)
    polaris = Publisher.objects.get(name="Polaris Project")
    assert all(Resource.objects.get(title=title).publisher == polaris for title in found), found


def test_spanish_words_find_english_resources(seeded: None) -> None:
    assert "Gang-Involved Sex Trafficking" in titles("trafico")
    assert titles("tráfico") == titles("trafico")
    assert "HHS Child Victims Fact Sheet" in titles("niños")
    assert "Rescue & Restore Poster: Labor Trafficking" in titles("trata laboral")


def test_words_match_as_prefixes_and_stems(seeded: None) -> None:
    assert "Medical Assessment Tool" in titles("assess")
    assert "Identifying Victims of Human Trafficking" in titles("identify")


def test_a_title_match_ranks_above_a_summary_match() -> None:
    in_summary = make("Working together", "A guide about smuggling and wages")
    in_title = make("Smuggling and wages")
    assert search.search("smuggling")[:2] == [in_title.pk, in_summary.pk]


def test_words_no_resource_holds_together_fall_back_to_any_word(seeded: None) -> None:
    assert titles("gang zzzzzz") == ["Gang-Involved Sex Trafficking"]


def test_nothing_to_look_for_finds_nothing(seeded: None) -> None:
    assert search.search("") == []
    assert search.search("the of ***") == []
    assert search.search('" OR * NEAR(') == []


def test_index_follows_saves_and_deletes() -> None:
    resource = make("Seasonal farm work")
    assert titles("seasonal") == ["Seasonal farm work"]
    resource.title = "Orchard contracts"
    resource.save()
    assert titles("seasonal") == []
    assert titles("orchard") == ["Orchard contracts"]
    resource.delete()
    assert titles("orchard") == []


def test_index_follows_topic_changes_from_both_sides() -> None:
    resource = make("Plain title")
    topic = Topic.objects.get(code="domestic_servitude")
    assert titles("servitude") == []
    resource.topics.add(topic)
    assert titles("servitude") == ["Plain title"]
    resource.topics.remove(topic)
    assert titles("servitude") == []
    topic.resources.add(resource)
    assert titles("servitude") == ["Plain title"]
    topic.resources.clear()
    assert titles("servitude") == []
    resource.topics.add(topic)
    topic.name = "Household bondage"
    topic.code = "household_bondage"
    topic.save()
    assert titles("bondage") == ["Plain title"]
    topic.delete()
    assert titles("bondage") == []


def test_index_follows_a_publisher_rename() -> None:
    publisher = Publisher.objects.create(name="Example Coalition", slug="example")
    make("Plain title", publisher=publisher)
    publisher.name = "Riverside Alliance"
    publisher.save()
    assert titles("riverside") == ["Plain title"]


def test_topic_names_are_searchable_in_spanish() -> None:
    resource = make("Plain title")
    resource.topics.add(Topic.objects.get(code="trauma"))
    assert titles("salud mental") == ["Plain title"]


def test_unpublished_resources_are_found_only_for_staff() -> None:
    make("Draft handout", is_published=False)
    assert titles("handout") == []
    assert titles("handout", published_only=False) == ["Draft handout"]


def test_rebuild_indexes_everything_again(seeded: None) -> None:
    before = search.search("trafficking")
    assert search.rebuild() == 53
    assert search.search("trafficking") == before


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("assesment", "assessment", 1),
        ("recieve", "receive", 1),
        ("abc", "abc", 0),
        ("ab", "xyz", 3),
    ],
)
def test_edit_distance(a: str, b: str, distance: int) -> None:
    assert search.edit_distance(a, b, limit=3) == distance


def many(count: int, title: str, summary: str, **fields: object) -> list[int]:
    """`count` resources in one go (bulk, as an import), then indexed."""
    ensure_vocabulary()
    created = Resource.objects.bulk_create(
        Resource(
            slug=f"{title.lower().replace(' ', '-')}-{i}",
            title=title,
            summary=summary,
            resource_type="report",
            **fields,
        )
        for i in range(count)
    )
    ids = [resource.pk for resource in created]
    search.index(ids)
    return ids


def test_above_300_matches_title_matches_come_first_then_the_newest() -> None:
    in_summary = many(310, "Annual figures", "Counts of cases about smuggling")
    hidden = many(5, "Draft figures", "Unchecked smuggling counts", is_published=False)
    in_title = many(3, "Smuggling routes", "Maps")
    found = search.search("smuggling")
    # The title matches ranked first (all three equal: by id), then every other match
    # newest first; unpublished ones never.
    assert found[:3] == in_title
    assert found[3:] == sorted(in_summary, reverse=True)
    assert search.search("smuggling", limit=20) == found[:20]
    staff = search.search("smuggling", published_only=False)
    assert staff[:3] == in_title and staff[3:] == sorted(in_summary + hidden, reverse=True)


def test_a_resource_deleted_behind_the_orms_back_is_not_found() -> None:
    kept, gone = make("Orchard contracts"), make("Orchard wages")
    with connection.cursor() as cursor:  # no signal: only the database knows
        for table in ["library_resource_audiences", "library_resource"]:
            column = "id" if table == "library_resource" else "resource_id"
            cursor.execute(f"DELETE FROM {table} WHERE {column} = %s", [gone.pk])
    assert search.search("orchard") == [kept.pk]
    assert search.search("orchard", published_only=False) == [kept.pk]
