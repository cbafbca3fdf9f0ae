from typing import Any, cast

from django import forms
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from hotline.lib.forms import https_by_default
from hotline.library.models import (
    Audience,
    Language,
    Publisher,
    Resource,
    ResourceType,
    Topic,
)


def term_choices(queryset: Any, empty: Any) -> list[tuple[str, Any]]:
    return [("", empty), *((term.code, term.label) for term in queryset)]


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
        fields = cast(dict[str, forms.ChoiceField], self.fields)
        fields["audience"].choices = term_choices(Audience.objects.all(), _("All audiences"))
        fields["type"].choices = [("", _("All types")), *ResourceType.choices]
        fields["topic"].choices = term_choices(Topic.objects.in_use(), _("All topics"))
        fields["publisher"].choices = [
            ("", _("All publishers")),
            *Publisher.objects.in_use().values_list("slug", "name"),
        ]
        fields["language"].choices = term_choices(Language.objects.in_use(), _("All languages"))

    def options(self) -> dict[str, SafeString]:
        """The <option> elements of each list, selected as submitted. Built here rather than
        by the select widget, whose template per option is most of the page's time."""
        html: dict[str, SafeString] = {}
        for name, field in self.fields.items():
            if not isinstance(field, forms.ChoiceField):
                continue
            choices = cast(list[tuple[str, Any]], field.choices)
            current = str(self[name].value() or "")
            html[name] = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                (
                    (value, mark_safe(" selected") if str(value) == current else "", label)
                    for value, label in choices
                ),
            )
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


class ResourceForm(forms.ModelForm):
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
