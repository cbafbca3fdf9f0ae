"""The search form's select lists and checkbox groups, written out by the view instead of one
widget template per option: the same markup, the choices made kept, in the page's language."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from hotline.directory.forms import SearchForm

pytestmark = pytest.mark.django_db


def widget_markup(form: SearchForm, name: str) -> str:
    """What Django's own widget renders for the field, between tags."""
    return re.sub(r">\s+<", "><", str(form[name]))


def test_choices_made_stay_chosen(client_for) -> None:
    data = {
        "city": "Chicago",
        "state": "IL",
        "radius": "10",
        "categories": ["shelter", "legal"],
        "languages": ["es"],
    }
    body = client_for("specialist").post(reverse("directory:search"), data).content.decode()
    assert '<option value="IL" selected>IL</option>' in body
    assert '<option value="10" selected>10 miles</option>' in body
    assert body.count(" selected>") == 2
    checked = re.findall(
        r'<input type="checkbox" name="(\w+)" value="(\w+)" id="[\w_]+" checked>', body
    )
    assert sorted(checked) == [
        ("categories", "legal"),
        ("categories", "shelter"),
        ("languages", "es"),
    ]


def test_markup_is_the_widgets_own(client_for) -> None:
    data = {"postal_code": "60601", "radius": "25", "populations": ["minors"]}
    body = client_for("specialist").post(reverse("directory:search"), data).content.decode()
    form = SearchForm(data)
    form.is_valid()
    for name in ["state", "radius", "categories", "populations", "languages", "trafficking_types"]:
        markup = widget_markup(form, name)
        if name in {"state", "radius"}:
            assert markup in body, name
        else:  # the page puts each box in its label, the widget in a list item
            boxes = re.findall(r"<input [^>]+>", markup)
            assert len(boxes) == len(form.fields[name].choices)  # type: ignore[attr-defined]
            for box in boxes:
                assert box in body, box


def test_unbound_form_selects_the_default_radius_and_no_state(client_for) -> None:
    body = client_for("specialist").get(reverse("directory:search")).content.decode()
    assert '<option value="25" selected>25 miles</option>' in body
    assert '<option value="" selected>—</option>' in body
    assert " checked>" not in body


def test_labels_in_the_page_language(client_for) -> None:
    english = reverse("directory:public_search")
    with translation.override("es"):
        spanish = reverse("directory:public_search")
    body = client_for("anonymous").get(spanish).content.decode()
    assert "> Refugio y vivienda</label>" in body
    assert "> Shelter and housing</label>" not in body
    # The labels were kept per language, not from whichever language came first.
    body = client_for("anonymous").get(english).content.decode()
    assert "> Shelter and housing</label>" in body


def test_a_bad_radius_marks_its_list_invalid(client_for) -> None:
    data = {"postal_code": "60601", "radius": "7"}
    body = client_for("specialist").post(reverse("directory:search"), data).content.decode()
    assert (
        '<select name="radius" aria-invalid="true" aria-describedby="id_radius_error" '
        'id="id_radius">' in body
    )
    assert '<select name="state" id="id_state">' in body
