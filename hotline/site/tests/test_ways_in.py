"""The public site links to each of its own forms: from home, about and every page's footer."""

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

FORMS = ["contacts:tip", "contacts:help", "directory:public_search", "directory:join"]


@pytest.mark.parametrize("page", ["site:home", "site:about", "site:safety", "library:index"])
def test_public_pages_link_to_every_public_form(page: str) -> None:
    html = Client().get(reverse(page)).content.decode()
    for name in FORMS:
        assert f'href="{reverse(name)}"' in html, name


def test_the_links_follow_the_language() -> None:
    html = Client().get("/es/").content.decode()
    assert 'href="/es/report-a-tip/"' in html
