"""The library page's filter lists are kept per process and read again as soon as the library
changes, in whichever process the change was made (lib/cache.py)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from hotline.lib.cache import KEY_PREFIX
from hotline.library.actions import load_seed
from hotline.library.models import Language, Resource

pytestmark = pytest.mark.django_db


def library(url: str = "/library/") -> str:
    response = Client().get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_the_lists_are_not_read_again_while_the_library_is_unchanged() -> None:
    load_seed()
    library()
    with CaptureQueriesContext(connection) as queries:
        page = library("/es/library/?q=trafficking")
    read = [q["sql"] for q in queries if "library_topic" in q["sql"] or "EXISTS" in q["sql"]]
    assert not read, read
    assert '<option value="labor_trafficking">Trata laboral</option>' in page


def test_a_curators_change_shows_at_once() -> None:
    load_seed()
    option = '<option value="es">Spanish</option>'
    assert option not in library()  # no published resource is in Spanish yet
    resource = Resource.objects.get(slug="medical-assessment-tool")
    resource.languages.add(Language.objects.get(code="es"))
    assert option in library()
    resource.is_published = False
    resource.save()
    assert option not in library()


def test_a_change_made_by_another_process_shows_at_once() -> None:
    load_seed()
    option = '<option value="es">Spanish</option>'
    library()
    resource = Resource.objects.get(slug="medical-assessment-tool")
    # As another process would: the rows change without a signal here, and that process's
    # signal writes a new generation to the shared cache, not to this process's lists.
    Resource.languages.through.objects.bulk_create(
        [Resource.languages.through(resource=resource, language=Language.objects.get(code="es"))]
    )
    assert option not in library()  # nothing told this process yet
    cache.set(KEY_PREFIX + "library.filter_lists", "written by another process", timeout=None)
    assert option in library()
