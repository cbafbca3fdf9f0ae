from functools import cache
from typing import Any

from django import forms
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from hotline.directory import geo, profile
from hotline.directory.importer import KINDS
from hotline.directory.models import FlagReason, JoinApplication
from hotline.directory.search import DEFAULT_RADIUS, RADIUS_CHOICES, Query


@cache
def state_choices() -> list[tuple[str, str]]:
    """A constant (the ZIP package's data, not the database): kept for the process's life."""
    states = sorted({place.state for place in geo.all_zips()})
    return [("", "—"), *[(state, state) for state in states]]


class SearchForm(forms.Form):
    postal_code = forms.CharField(label=_("ZIP code"), max_length=10, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    state = forms.ChoiceField(label=_("State"), required=False, choices=())
    latitude = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180
    )
    radius = forms.TypedChoiceField(
        label=_("Within"),
        choices=[(r, _("%d miles") % r) for r in RADIUS_CHOICES],
        coerce=int,
        initial=DEFAULT_RADIUS,
    )
    categories = forms.MultipleChoiceField(
        label=_("Service"), required=False, choices=(), widget=forms.CheckboxSelectMultiple
    )
    populations = forms.MultipleChoiceField(
        label=_("Serves"), required=False, choices=(), widget=forms.CheckboxSelectMultiple
    )
    languages = forms.MultipleChoiceField(
        label=_("Language"), required=False, choices=(), widget=forms.CheckboxSelectMultiple
    )
    trafficking_types = forms.MultipleChoiceField(
        label=_("Trafficking type"), required=False, choices=(), widget=forms.CheckboxSelectMultiple
    )
    open_now = forms.BooleanField(label=_("Open now"), required=False)
    open_24_7 = forms.BooleanField(label=_("Open 24/7"), required=False)
    warm_transfer = forms.BooleanField(label=_("Accepts warm transfers"), required=False)
    no_le_report = forms.BooleanField(label=_("No law-enforcement report required"), required=False)
    keyword = forms.CharField(label=_("Keyword"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = state_choices()  # type: ignore[attr-defined]
        self.fields["categories"].choices = profile.choices("category")  # type: ignore[attr-defined]
        self.fields["populations"].choices = profile.choices("population")  # type: ignore[attr-defined]
        self.fields["languages"].choices = profile.LANGUAGES  # type: ignore[attr-defined]
        self.fields["trafficking_types"].choices = profile.choices("trafficking_type")  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        postal_code = (data.get("postal_code") or "").strip()
        city, state = (data.get("city") or "").strip(), data.get("state") or ""
        lat, lon = data.get("latitude"), data.get("longitude")
        place = None
        if postal_code:
            place = geo.zip_place(postal_code)
            if place is None:
                self.add_error(
                    "postal_code",
                    _("We have no US ZIP code %(zip)s. Check it, or search by city and state.")
                    % {"zip": postal_code[:10]},
                )
        elif city or state:
            if not (city and state):
                self.add_error("city", _("Give both a city and a state."))
            else:
                place = geo.city_place(city, state)
                if place is None:
                    self.add_error(
                        "city",
                        _(
                            "We have no city called %(city)s in %(state)s. Check the spelling, "
                            "or search by ZIP code."
                        )
                        % {"city": city[:100], "state": state},
                    )
        elif lat is not None and lon is not None:
            place = geo.Place(lat, lon, _("the given coordinates"), "")  # type: ignore[arg-type]
        elif lat is not None or lon is not None:
            self.add_error("latitude", _("Give both latitude and longitude."))
        data["place"] = place
        return data

    def query(self, public: bool = False) -> Query:
        data = self.cleaned_data
        return Query(
            place=data.get("place"),
            radius=data.get("radius") or DEFAULT_RADIUS,
            categories=tuple(data.get("categories") or ()),
            populations=tuple(data.get("populations") or ()),
            languages=tuple(data.get("languages") or ()),
            trafficking_types=tuple(data.get("trafficking_types") or ()),
            open_now=bool(data.get("open_now")),
            open_24_7=bool(data.get("open_24_7")),
            warm_transfer=bool(data.get("warm_transfer")),
            no_le_report=bool(data.get("no_le_report")),
            keyword=data.get("keyword") or "",
            public=public,
        )


class FlagForm(forms.Form):
    reason = forms.ChoiceField(label=_("What is wrong?"), choices=FlagReason.choices)
    note = forms.CharField(
        label=_("Details"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("reason") == FlagReason.OTHER and not (data.get("note") or "").strip():
            self.add_error("note", _("Say what is wrong."))
        return data


class FlagResolveForm(forms.Form):
    note = forms.CharField(
        label=_("What did you do?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Kept with the flag, with your name and the time."),
        error_messages={"required": _("Write what you did about this flag.")},
    )

    def clean_note(self) -> str:
        note = (self.cleaned_data.get("note") or "").strip()
        if not note:
            raise forms.ValidationError(_("Write what you did about this flag."))
        return note


class JoinForm(forms.ModelForm[JoinApplication]):
    kind = forms.ChoiceField(label=_("Kind of organization"), choices=profile.choices("org_kind"))
    categories = forms.MultipleChoiceField(
        label=_("Services you offer"),
        choices=profile.choices("category"),
        widget=forms.CheckboxSelectMultiple,
    )
    populations = forms.MultipleChoiceField(
        label=_("People you serve"),
        required=False,
        choices=profile.choices("population"),
        widget=forms.CheckboxSelectMultiple,
    )
    trafficking_types = forms.MultipleChoiceField(
        label=_("Trafficking types you serve"),
        required=False,
        choices=profile.choices("trafficking_type"),
        widget=forms.CheckboxSelectMultiple,
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages you serve people in"),
        choices=profile.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
    )
    features = forms.MultipleChoiceField(
        label=_("Also"),
        required=False,
        choices=profile.choices("feature"),
        widget=forms.CheckboxSelectMultiple,
    )
    state = forms.ChoiceField(label=_("State"), choices=())
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = JoinApplication
        fields = [
            "organization_name",
            "kind",
            "description",
            "website",
            "email",
            "phone",
            "national",
            "address_1",
            "city",
            "state",
            "postal_code",
            "confidential_location",
            "categories",
            "populations",
            "trafficking_types",
            "languages",
            "features",
            "contact_name",
            "contact_email",
        ]
        help_texts = {
            "confidential_location": _(
                "Tick this for a shelter or safe house: its address is seen only by hotline "
                "staff and never published."
            ),
            "contact_email": _("We write to you here about your application; it is not published."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = state_choices()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        postal_code = (data.get("postal_code") or "").strip()
        if postal_code and geo.zip_place(postal_code) is None:
            self.add_error("postal_code", _("This is not a US ZIP code we know."))
        return data


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("approve", _("Approve and list")),
            ("changes", _("Ask for changes")),
            ("decline", _("Decline")),
        ],
        widget=forms.RadioSelect,
    )
    message = forms.CharField(
        label=_("Message to the applicant"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            data.get("decision") in {"changes", "decline"}
            and not (data.get("message") or "").strip()
        ):
            self.add_error("message", _("Tell the applicant why."))
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("HSDS file"),
        help_text=_(
            "A .json file (HSDS objects, lists or tabular JSON) or a .zip of a CSV "
            "datapackage (datapackage.json and the CSV files)."
        ),
    )
    kind = forms.ChoiceField(
        label=_("Top-level JSON objects are"),
        help_text=_(
            "Automatic: told from the fields each HSDS schema requires; when that is unsure, "
            "the import is refused and you choose here."
        ),
        choices=[
            (kind, _("detect automatically") if kind == "auto" else kind.replace("_", " "))
            for kind in KINDS
        ],
        initial="auto",
    )


class ExportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            ("csv", _("CSV datapackage (.zip)")),
            ("tabular-json", _("Tabular JSON")),
            ("json", _("Nested JSON (organizations, taxonomies and the rest)")),
        ],
    )
    include_confidential = forms.BooleanField(
        label=_("Include confidential locations and their addresses"), required=False
    )
    include_withdrawn = forms.BooleanField(label=_("Include withdrawn listings"), required=False)


CHOICE_GROUPS = ["categories", "populations", "languages", "trafficking_types"]


@cache
def _escaped_choices(name: str, language: str | None) -> list[tuple[str, str, str]]:
    """A search form field's choices as (value, escaped value, escaped label), per language:
    the choices are constants of the code."""
    field = SearchForm().fields[name]
    return [
        (str(value), escape(value), escape(label))
        for value, label in field.choices  # type: ignore[attr-defined]
    ]


def search_choices(form: SearchForm) -> dict[str, Any]:
    """The search form's select options and checkbox groups, written out in one pass: the
    widget templates render a template per option, some 20 ms for the form's hundred options.
    The markup is the widgets' own."""
    language = get_language()
    options = {}
    for name in ["state", "radius"]:
        value = form[name].value()
        chosen = "" if value is None else str(value)
        options[name] = mark_safe(  # noqa: S308 (escaped above)
            "".join(
                f'<option value="{value}"{" selected" if raw == chosen else ""}>{label}</option>'
                for raw, value, label in _escaped_choices(name, language)
            )
        )
    groups = []
    for name in CHOICE_GROUPS:
        field = form[name]
        checked = {str(value) for value in field.value() or []}
        prefix = f'<label><input type="checkbox" name="{escape(field.html_name)}" value="'
        box_id = escape(field.auto_id)
        boxes = mark_safe(  # noqa: S308 (escaped above)
            "".join(
                f'{prefix}{value}" id="{box_id}_{index}"{" checked" if raw in checked else ""}>'
                f" {label}</label>"
                for index, (raw, value, label) in enumerate(_escaped_choices(name, language))
            )
        )
        groups.append((field.label, boxes, bool(checked)))
    return {"options": options, "choice_groups": groups}
