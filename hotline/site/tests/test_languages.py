import pytest
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
def test_staff_pages_speak_spanish_under_es(client_for) -> None:
    assert "Acceso del personal" in Client().get("/es/accounts/sign-in/").content.decode()
    page = client_for("specialist").get("/es/console/").content.decode()
    assert 'lang="es"' in page and "Bienvenido/a, specialist" in page


@pytest.mark.django_db
def test_the_default_language_needs_no_prefix_and_ignores_the_browser() -> None:
    # The address alone decides: nothing about the visitor is remembered.
    page = Client().get(reverse("accounts:login"), headers={"accept-language": "es"})
    assert 'lang="en"' in page.content.decode() and "Staff sign-in" in page.content.decode()


@pytest.mark.django_db
def test_language_switch_links_to_the_same_page_in_the_other_language() -> None:
    page = Client().get("/").content.decode()
    assert 'href="/es/"' in page
    assert 'href="/"' in Client().get("/es/").content.decode()
