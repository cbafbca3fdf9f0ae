from dataclasses import dataclass, field
from typing import Any, cast

from django import forms
from django.utils import translation
from django.utils.html import escape, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from hotline.lib.forms import https_by_default
from hotline.library.models import (
    Audience,
    Language,
    Publisher,
    Resource,
    ResourceType,
    Revision,
    Topic,
)


@dataclass
class FilterLists:
    """The choices of the library's filters, each list with its "All …" first; and the
    <option> elements of each list per language, built once."""

    choices: dict[str, list[tuple[str, Any]]]
    html: dict[tuple[str, str], str] = field(default_factory=dict)

    def options(self, name: str) -> str:
        key = (translation.get_language() or "", name)
        if key not in self.html:
            self.html[key] = format_html_join(
                "", '<option value="{}">{}</option>', self.choices[name]
            )
        return self.html[key]


_cached: tuple[str, FilterLists] | None = None


def filter_lists() -> FilterLists:
    """The filter lists, read again only when the library changed (models.Revision): four
    queries and their options were most of the library page's time."""
    global _cached
    token = Revision.current()  # first: lists read after it are at least as new
    cached = _cached
    if cached is not None and token is not None and cached[0] == token:
        return cached[1]
    lists = FilterLists(
        {
            "audience": [("", _("All audiences")), *terms(Audience.objects.all())],
            "type": [("", _("All types")), *ResourceType.choices],
            "topic": [("", _("All topics")), *terms(Topic.objects.in_use())],
            "publisher": [
                ("", _("All publishers")),
                *Publisher.objects.in_use().values_list("slug", "name"),
            ],
            "language": [("", _("All languages")), *terms(Language.objects.in_use())],
        }
    )
    if token is not None:
        _cached = (token, lists)
    return lists


def terms(queryset: Any) -> list[tuple[str, Any]]:
    return [(term.code, term.label) for term in queryset]


class LibraryFilterForm(forms.Form):
    """The library's search and filters; every field optional, unknown values ignored."""

    q = forms.CharField(label=_("Words to look for"), required=False, max_length=200)
    audience = forms.ChoiceField(label=_("Audience"), required=False)
    type = forms.ChoiceField(label=_("Type"), required=False)
    topic = forms.ChoiceField(label=_("Topic"), required=False)
    publisher = forms.ChoiceField(label=_("Publisher"), required=False)
    language = forms.ChoiceField(label=_("Language"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget = forms.TextInput(attrs={"type": "search"})
        self.lists = filter_lists()
        for name, choices in self.lists.choices.items():
            cast(forms.ChoiceField, self.fields[name]).choices = choices

    def options(self) -> dict[str, SafeString]:
        """The <option> elements of each list, the submitted one selected. Built here rather
        than by the select widget, whose template per option is most of the page's time."""
        html: dict[str, SafeString] = {}
        for name in self.lists.choices:
            chosen = f'<option value="{escape(str(self[name].value() or ""))}"'
            # Every value and label was escaped when the list was built.
            options = self.lists.options(name).replace(f"{chosen}>", f"{chosen} selected>", 1)
            html[name] = mark_safe(options)  # noqa: S308
        return html

    def filter(self, resources: Any) -> Any:
        data = self.cleaned_data
        if data.get("audience"):
            resources = resources.filter(audiences__code=data["audience"])
        if data.get("type"):
            resources = resources.filter(resource_type=data["type"])
        if data.get("topic"):
            resources = resources.filter(topics__code=data["topic"])
        if data.get("publisher"):
            resources = resources.filter(publisher__slug=data["publisher"])
        if data.get("language"):
            resources = resources.filter(languages__code=data["language"])
        return resources


class ResourceForm(forms.ModelForm[Resource]):
    class Meta:
        formfield_callback = https_by_default
        model = Resource
        fields = [
            "title",
            "slug",
            "summary",
            "publisher",
            "resource_type",
            "format",
            "audiences",
            "topics",
            "languages",
            "url",
            "file",
            "published_on",
            "is_published",
        ]
        widgets = {
            "audiences": forms.CheckboxSelectMultiple,
            "topics": forms.CheckboxSelectMultiple,
            "languages": forms.CheckboxSelectMultiple,
            "published_on": forms.DateInput(attrs={"type": "date"}),
        }

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload and getattr(upload, "size", 0) > 50 * 1024 * 1024:
            raise forms.ValidationError(_("Files may be at most 50 MB."))
        return upload
