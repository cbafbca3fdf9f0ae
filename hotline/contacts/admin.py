"""SLA policies in Django admin, with real form fields.

The policy (hours room) matches contacts by their request types and names the contact statuses
that pause its clock; those vocabularies are the contacts room's, which may import hours (not
the other way round). So the policy's admin, and its form, live here."""

from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from hotline.contacts.models import Channel, RequestType, Status
from hotline.hours.models import SlaPolicy

OPEN_STATUS_CHOICES = [(s.value, s.label) for s in Status if s != Status.CLOSED]


class SlaPolicyForm(forms.ModelForm[SlaPolicy]):
    request_types = forms.MultipleChoiceField(
        label=_("request types"),
        choices=RequestType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The policy applies to a contact with any of these. None ticked: any."),
    )
    channels = forms.MultipleChoiceField(
        label=_("channels"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("The policy applies to contacts that came by any of these. None ticked: any."),
    )
    pause_statuses = forms.MultipleChoiceField(
        label=_("statuses that pause the clock"),
        choices=OPEN_STATUS_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    intake_status = forms.ChoiceField(
        label=_("status on intake"),
        choices=[("", _("keep the contact's status")), *OPEN_STATUS_CHOICES],
        required=False,
    )

    class Meta:
        model = SlaPolicy
        fields = [
            "name",
            "position",
            "active",
            "urgency",
            "request_types",
            "channels",
            "received",
            "calendar",
            "first_response_minutes",
            "resolution_minutes",
            "warning_minutes",
            "pause_statuses",
            "intake_status",
            "acknowledge",
        ]
        widgets = {
            name: forms.NumberInput(attrs={"min": 0, "step": 1})
            for name in [
                "position",
                "first_response_minutes",
                "resolution_minutes",
                "warning_minutes",
            ]
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A stored code no longer in the vocabulary stays ticked rather than silently dropped.
        for name, choices in [
            ("request_types", list(RequestType.choices)),
            ("channels", list(Channel.choices)),
            ("pause_statuses", OPEN_STATUS_CHOICES),
        ]:
            known = {code for code, _label in choices}
            stale = [c for c in (self.initial.get(name) or []) if c not in known]
            field = self.fields[name]
            assert isinstance(field, forms.MultipleChoiceField)
            field.choices = [*choices, *((c, c) for c in stale)]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin[SlaPolicy]):
    form = SlaPolicyForm
    list_display = [
        "position",
        "name",
        "active",
        "urgency",
        "received",
        "calendar",
        "first_response_minutes",
        "resolution_minutes",
    ]
    list_display_links = ["name"]
    ordering = ["position"]
