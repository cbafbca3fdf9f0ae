"""The public forms say which fields are required and what went wrong, in words, next to each
field and in a summary at the top; a form sent from /es/ is stored and confirmed in Spanish."""

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from hotline.contacts.models import Contact

pytestmark = pytest.mark.django_db
NARRATIVE = "Workers locked in at the nail salon on Elm Street (fictional)"


VOID = {"input", "br", "img", "meta", "link", "hr", "source", "col", "area", "wbr"}


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    children: list["Element | str"] = field(default_factory=list)

    def __getitem__(self, name: str) -> str:
        return self.attrs[name]

    def has_attr(self, name: str) -> bool:
        return name in self.attrs

    def get_text(self) -> str:
        return " ".join(
            " ".join((c if isinstance(c, str) else c.get_text()).split()) for c in self.children
        ).strip()

    def walk(self) -> Iterator["Element"]:
        for child in self.children:
            if isinstance(child, Element):
                yield child
                yield from child.walk()

    def find_all(self, tag: str | None = None, **attrs: str) -> list["Element"]:
        return [
            e
            for e in self.walk()
            if (tag is None or e.tag == tag)
            and all(e.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]

    def find(self, tag: str | None = None, **attrs: str) -> "Element | None":
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    def with_class(self, name: str) -> list["Element"]:
        return [e for e in self.walk() if name in e.attrs.get("class", "").split()]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.root = Element("root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(content: bytes) -> Element:
    builder = _Builder()
    builder.feed(content.decode())
    return builder.root


def token_from(page: str) -> str:
    found = re.search(r'name="form_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def label_of(soup: Element, field_id: str) -> str:
    label = soup.find("label", for_=field_id)
    assert label is not None, field_id
    return label.get_text()


@pytest.mark.parametrize("name", ["contacts:tip", "contacts:help"])
def test_required_fields_are_marked_in_words_and_for_assistive_technology(name: str) -> None:
    soup = parse(Client().get(reverse(name)).content)
    narrative = soup.find(id="id_narrative")
    assert narrative is not None and narrative.has_attr("required")
    assert label_of(soup, "id_narrative").endswith("(required)")
    # Optional fields carry neither the marker nor the attribute.
    assert "(required)" not in label_of(soup, "id_postal_code")
    postal_code = soup.find(id="id_postal_code")
    assert postal_code is not None and not postal_code.has_attr("required")
    assert not soup.with_class("error-summary")


def test_errors_are_stated_beside_each_field_and_in_a_summary_linking_to_it() -> None:
    client = Client()
    token = token_from(client.get(reverse("contacts:tip")).content.decode())
    response = client.post(
        reverse("contacts:tip"), {"form_token": token, "narrative": "", "postal_code": "00000"}
    )
    assert response.status_code == 400
    assert not Contact.objects.exists()
    soup = parse(response.content)
    (summary,) = soup.with_class("error-summary")
    assert summary["role"] == "alert"
    links = {a["href"]: a.get_text() for a in summary.find_all("a")}
    assert links == {
        "#id_narrative": "What did you see or hear?: This field is required.",
        "#id_postal_code": "ZIP code (optional): We have no US ZIP code 00000.",
    }
    for field_id in ("id_narrative", "id_postal_code"):
        widget = soup.find(id=field_id)
        assert widget is not None and widget["aria-invalid"] == "true"
        described = widget["aria-describedby"].split()
        assert f"{field_id}_error" in described
        error = soup.find(id=f"{field_id}_error")
        assert error is not None and error.get_text()
    # A field without an error is not marked invalid.
    city = soup.find(id="id_city")
    assert city is not None and not city.has_attr("aria-invalid")


def test_an_expired_or_forged_form_says_so_in_words() -> None:
    response = Client().post(
        reverse("contacts:tip"), {"form_token": "forged", "narrative": NARRATIVE}
    )
    assert response.status_code == 400
    soup = parse(response.content)
    (summary,) = soup.with_class("error-summary")
    assert "This form has expired. Please send it again." in summary.get_text()
    assert not Contact.objects.exists()


def test_a_tip_sent_from_the_spanish_page_is_stored_as_spanish_and_confirmed_in_spanish() -> None:
    client = Client()
    page = client.get("/es/report-a-tip/")
    assert page.status_code == 200
    response = client.post(
        "/es/report-a-tip/",
        {"form_token": token_from(page.content.decode()), "narrative": NARRATIVE},
    )
    assert response.status_code == 200
    contact = Contact.objects.get()
    assert contact.language == "es"
    body = response.content.decode()
    assert '<html lang="es">' in body
    assert "Gracias: lo recibimos" in body and "Su número de referencia:" in body
    assert contact.reference in body


def test_a_help_request_sent_from_the_english_page_is_stored_as_english() -> None:
    client = Client()
    page = client.get("/ask-for-help/")
    assert page.status_code == 200, "the help form's address changed"
    response = client.post(
        "/ask-for-help/",
        {
            "form_token": token_from(page.content.decode()),
            "kind": "general_info",
            "narrative": NARRATIVE,
        },
    )
    assert response.status_code == 200
    assert Contact.objects.get().language == "en"
    assert "Thank you: we received it" in response.content.decode()


def test_the_join_form_marks_required_fields_and_groups_choices_under_a_legend() -> None:
    soup = parse(Client().get(reverse("directory:join")).content)
    legends = {legend.get_text() for legend in soup.find_all("legend")}
    assert "Services you offer (required)" in legends
    assert "People you serve" in legends
    response = Client().post(reverse("directory:join"), {"kind": ""})
    assert response.status_code in (200, 400)
    soup = parse(response.content)
    (summary,) = soup.with_class("error-summary")
    links = summary.find_all("a")
    assert links and all(link["href"].startswith("#id_") for link in links)
    for link in links:
        assert soup.find(id=link["href"][1:]) is not None, link["href"]
