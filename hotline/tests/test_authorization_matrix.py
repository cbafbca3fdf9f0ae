import importlib
from collections.abc import Iterator

import pytest
from django.apps import apps
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from conftest import PERSONAS
from hotline.tests.matrix import LOGIN, Row


def all_rows() -> list[Row]:
    rows = []
    for config in apps.get_app_configs():
        if not config.name.startswith("hotline."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tests.matrix")
        except ModuleNotFoundError:
            continue
        rows.extend(module.ROWS)
    return rows


def url_names(resolver: URLResolver | None = None, prefix: str = "") -> Iterator[str]:
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            yield from url_names(pattern, namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield prefix + pattern.name


ROWS = all_rows()


def test_every_named_url_is_in_the_matrix() -> None:
    # Django admin is covered as a whole by test_admin_site.py; every other URL needs a row.
    listed = {row.name for row in ROWS}
    missing = sorted(
        name for name in set(url_names()) if not name.startswith("admin:") and name not in listed
    )
    assert not missing, f"URLs without a row in a tests/matrix.py: {missing}"


def test_every_row_covers_every_persona() -> None:
    for row in ROWS:
        assert set(row.expect) == set(PERSONAS), row


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("row", ROWS, ids=str)
def test_outcome(row: Row, persona: str, personas: dict, client_for) -> None:
    client = client_for(persona)
    url = reverse(row.name, kwargs=row.kwargs(personas))
    response = getattr(client, row.method)(url, row.data(personas))
    expected = row.expect[persona]
    if expected == LOGIN:
        assert response.status_code == 302, (url, persona, response.status_code)
        assert response["Location"].startswith(resolve_url(settings.LOGIN_URL)), response[
            "Location"
        ]
    else:
        assert response.status_code == expected, (url, persona, response.status_code)
