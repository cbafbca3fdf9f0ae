"""Values kept per process (lib/cache.py): kept while their data is unchanged, built again at the
next read after a change made here or in another process, and never stale for a lost
generation. Django's groups stand in for an app's rows."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import transaction

from hotline.lib.cache import KEY_PREFIX, Shared, checked_once

pytestmark = pytest.mark.django_db

builds: list[list[str]] = []


def _group_names() -> list[str]:
    names = sorted(Group.objects.values_list("name", flat=True))
    builds.append(names)
    return names


GROUPS = Shared("test.group_names", _group_names, depends_on=[Group])


@pytest.fixture(autouse=True)
def _count_builds() -> None:
    builds.clear()


def another_process_changed_it() -> None:
    """What the signal of a change made in another process does to the shared cache."""
    cache.set(KEY_PREFIX + GROUPS.name, "another process", timeout=None)


def test_the_value_is_built_once_while_nothing_changes() -> None:
    Group.objects.create(name="a")
    assert GROUPS.get() == ["a"]
    assert GROUPS.get() == ["a"]
    assert len(builds) == 1


def test_a_save_a_delete_and_a_relation_change_here_are_seen_at_the_next_read() -> None:
    group = Group.objects.create(name="a")
    assert GROUPS.get() == ["a"]
    group.name = "b"
    group.save()
    assert GROUPS.get() == ["b"]
    group.permissions.add(Permission.objects.order_by("pk")[0])
    GROUPS.get()
    group.delete()
    assert GROUPS.get() == []
    assert len(builds) == 4


def test_a_change_made_in_another_process_is_seen_at_the_next_read() -> None:
    assert GROUPS.get() == []
    # The other process's row: this process gets no signal for it.
    Group.objects.bulk_create([Group(name="elsewhere")])
    assert GROUPS.get() == []
    another_process_changed_it()
    assert GROUPS.get() == ["elsewhere"]


def test_a_lost_generation_builds_once_and_is_kept_again() -> None:
    assert GROUPS.get() == []
    Group.objects.bulk_create([Group(name="unseen")])
    cache.delete(KEY_PREFIX + GROUPS.name)  # culled, or the cache table was cleared
    assert GROUPS.get() == ["unseen"]
    assert GROUPS.get() == ["unseen"]
    assert len(builds) == 2


def test_a_full_cache_culls_other_keys_and_keeps_the_generation(settings) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "hotline_cache",
            "OPTIONS": {"MAX_ENTRIES": 10, "CULL_FREQUENCY": 3},
        }
    }
    GROUPS.get()
    for number in range(40):  # as the login throttle's counts do under an attack
        cache.set(f"throttle:{number:040x}", 1, 900)
    assert cache.get(f"throttle:{0:040x}") is None  # culled
    GROUPS.get()
    assert len(builds) == 1


def test_a_request_checks_the_generation_once_and_sees_its_own_change(
    django_assert_num_queries,
) -> None:
    GROUPS.get()
    with checked_once():
        with django_assert_num_queries(1):  # the generations, all in one query
            GROUPS.get()
        another_process_changed_it()
        with django_assert_num_queries(0):
            assert GROUPS.get() == []  # the request keeps what it started with
        Group.objects.create(name="mine")
        assert GROUPS.get() == ["mine"]


def test_a_rolled_back_change_leaves_the_committed_value() -> None:
    assert GROUPS.get() == []
    with pytest.raises(RuntimeError), transaction.atomic():
        Group.objects.create(name="rolled back")
        assert GROUPS.get() == ["rolled back"]
        raise RuntimeError
    assert GROUPS.get() == []


def test_many_changes_in_one_transaction_write_one_generation_and_one_after_commit(
    django_capture_on_commit_callbacks,
) -> None:
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        for name in ["a", "b", "c"]:
            Group.objects.create(name=name)
        assert GROUPS.get() == ["a", "b", "c"]
    assert len(callbacks) == 1
    token = cache.get(KEY_PREFIX + GROUPS.name)
    callbacks[0]()  # the commit
    assert cache.get(KEY_PREFIX + GROUPS.name) != token
    assert GROUPS.get() == ["a", "b", "c"]
