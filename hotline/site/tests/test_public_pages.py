import re

import pytest
from django.test import Client
from django.urls import reverse

from hotline.audit.models import AuditEvent
from hotline.library.actions import load_seed
from hotline.library.models import Resource
from hotline.site.models import PublicSettings

pytestmark = pytest.mark.django_db

PUBLIC_PAGES = ["/", "/for/victims/", "/library/", "/about/", "/safety/"]


@pytest.fixture
def seeded() -> None:
    load_seed()


def html(url: str) -> str:
    response = Client().get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_every_public_page_has_the_banner_and_quick_exit_first(url: str, seeded: None) -> None:
    page = html(url)
    body = page.split("<body", 1)[1]
    first_link = re.search(r"<a [^>]*>", body)
    assert first_link and 'id="quick-exit"' in first_link.group(0)
    assert 'href="https://www.google.com/"' in first_link.group(0)
    assert 'href="tel:911"' in page
    assert 'href="tel:+18883737888">1-888-3737-888' in page
    assert "text HELP or INFO to 233733" in page
    assert 'href="tel:+18884287581">1-888-428-7581' in page
    assert '<script src="/static/site/quick-exit.js" defer>' in page
    assert "style=" not in page and "onclick" not in page


def test_the_banner_shows_what_an_administrator_set(client_for) -> None:
    response = client_for("administrator").post(
        reverse("site:public_settings"),
        {
            "emergency_number": "112",
            "hotline_number": "0800 123 456",
            "hotline_email": "",
            "text_number": "",
            "text_keywords": "",
            "complaint_line_number": "",
            "complaint_line_name": "",
            "complaint_line_hours": "",
            "quick_exit_url": "https://weather.example/",
        },
    )
    assert response.status_code == 302
    assert PublicSettings.current().hotline_number == "0800 123 456"
    event = AuditEvent.objects.get(action="site.public_settings_update")
    assert "hotline_number" in event.detail["fields"]
    page = html("/")
    assert 'href="tel:112"' in page and 'href="tel:0800123456">0800 123 456' in page
    assert 'href="https://weather.example/"' in page
    assert "233733" not in page and "1-888-428-7581" not in page


def test_audience_page_lists_what_serves_that_audience_only(
    seeded: None, django_assert_num_queries
) -> None:
    html("/for/legal/")  # creates the settings row
    # The audience, its resources with publishers, the settings, the navigation.
    with django_assert_num_queries(4):
        page = html("/for/legal/")
    assert "Victim Protection Checklist" in page
    assert "Medical Assessment Tool" not in page
    assert "<h2" in page and "Fact sheet" in page


def test_unknown_audience_is_not_found(seeded: None) -> None:
    assert Client().get("/for/astronauts/").status_code == 404
    assert Client().get("/for/first_responders/").status_code == 404


def test_library_filters(seeded: None) -> None:
    page = html("/library/?audience=law_enforcement&type=handbook")
    assert '<option value="law_enforcement" selected>Law enforcement</option>' in page
    assert '<option value="handbook" selected>' in page
    assert "First Aid Kit For Use By Law Enforcement" in page
    assert "IOM Handbook" not in page
    page = html("/library/?topic=gang_trafficking")
    assert "Gang-Involved Sex Trafficking" in page and "Medical Assessment Tool" not in page
    page = html("/library/?publisher=who")
    assert "Ethical and Safety Recommendations" in page
    assert "Potential Trafficking Indicators" not in page
    page = html("/library/?language=en")
    assert "53 resources" in page
    page = html("/library/?audience=nonsense")
    assert "Select a valid choice" in page or "53 resources" in page


def test_library_search_is_ranked_and_filterable(seeded: None) -> None:
    page = html("/library/?q=polaris+assesment")
    assert "Medical Assessment Tool" in page
    page = html("/library/?q=trafficking&type=poster")
    # Sex and labor trafficking, domestic servitude (a labor trafficking topic), the migrant one.
    assert page.count('class="resource"') == 4
    page = html("/library/?q=zzzqqq")
    assert "Nothing found" in page


def test_library_pages_through_results(seeded: None) -> None:
    first = html("/library/")
    assert first.count('class="resource"') == 20 and "Page 1 of 3" in first
    last = html("/library/?page=3")
    assert last.count('class="resource"') == 13


def test_library_list_does_not_grow_a_query_per_row(
    seeded: None, django_assert_max_num_queries
) -> None:
    html("/library/?q=trafficking")
    with django_assert_max_num_queries(10):
        html("/library/?q=trafficking")


def test_resource_page(seeded: None) -> None:
    page = html("/library/r/medical-assessment-tool/")
    assert "Polaris Project" in page and "Assessment tool" in page
    assert "/for/health-care/" in page
    page = html("/library/r/rescue-restore-poster-sex-trafficking/")
    assert "Rescue &amp; Restore Campaign Posters" in page
    Resource.objects.filter(slug="medical-assessment-tool").update(is_published=False)
    assert Client().get("/library/r/medical-assessment-tool/").status_code == 404


def test_collection_page_lists_items_in_order(seeded: None) -> None:
    page = html("/library/collections/rescue-restore-campaign-posters/")
    assert page.index("Poster: Social Service<") < page.index("Poster: Domestic Servitude")


def test_about_page_has_both_service_tables_and_assistance(seeded: None) -> None:
    page = html("/about/")
    assert "Available 24 hours a day, 7 days a week" in page
    assert "Crisis calls from victims and potential victims" in page
    assert "Available 9 am to 9 pm Eastern, Monday to Friday" in page
    assert "General information requests" in page
    assert "review of third-party materials" in page


def test_safety_page_says_what_quick_exit_does_not_do() -> None:
    page = html("/safety/")
    assert "does not erase your browsing history" in page
    assert "does not defeat monitoring" in page
    assert "tel:+18883737888" in page


def test_public_pages_set_no_cookie(seeded: None) -> None:
    for url in PUBLIC_PAGES:
        assert not Client().get(url).cookies, url


SPANISH_PAGES = {
    "/es/": ["Salida rápida", "Obtenga ayuda ahora", "Víctimas", "Biblioteca"],
    "/es/for/law-enforcement/": ["Recursos para: Fuerzas del orden", "Hoja informativa"],
    "/es/library/?type=poster": ["Cartel", "Todos los públicos", "Palabras a buscar"],
    "/es/library/r/medical-assessment-tool/": ["Herramienta de evaluación", "Atención médica"],
    "/es/about/": ["Disponible las 24 horas del día", "Solicitudes de información general"],
    "/es/safety/": ["No borra su historial de navegación"],
}


@pytest.mark.parametrize("url", SPANISH_PAGES)
def test_public_pages_in_spanish(url: str, seeded: None) -> None:
    page = html(url)
    assert '<html lang="es">' in page
    for text in SPANISH_PAGES[url]:
        assert text in page, text
    assert "envíe HELP o INFO por mensaje de texto al 233733" in page
    english = url.removeprefix("/es")
    assert f'href="{english.split("?")[0]}" hreflang="en"' in page


def test_every_message_has_a_spanish_translation() -> None:
    from pathlib import Path

    from django.conf import settings

    po = (Path(settings.LOCALE_PATHS[0]) / "es" / "LC_MESSAGES" / "django.po").read_text()
    assert "#, fuzzy" not in po
    entries = po.split("\n\n")[1:]

    def translations(entry: str) -> list[str]:
        """Each msgstr of the entry (msgstr, or msgstr[n] of a plural), its lines joined."""
        found: list[str] = []
        for line in entry.splitlines():
            if line.startswith("msgstr"):
                found.append(line.split(" ", 1)[1].strip('"'))
            elif line.startswith('"') and found:
                found[-1] += line.strip('"')
        return found

    untranslated = [e for e in entries if not all(translations(e))]
    assert not untranslated, untranslated[:3]
    assert (Path(settings.LOCALE_PATHS[0]) / "es" / "LC_MESSAGES" / "django.mo").exists()
