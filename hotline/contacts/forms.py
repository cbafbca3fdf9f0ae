import secrets
from typing import Any

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from hotline.contacts.models import (
    CallerType,
    Contact,
    RequestType,
    Urgency,
    token_hash,
)
from hotline.directory import geo
from hotline.directory.forms import state_choices

FORM_TOKEN_SALT = "hotline.contacts.public-form"
FORM_TOKEN_MAX_AGE = 24 * 3600
TRI_STATE = [("", _("Not asked")), ("yes", _("Yes")), ("no", _("No"))]


def new_form_token() -> str:
    return signing.dumps(secrets.token_urlsafe(16), salt=FORM_TOKEN_SALT)


class RestorableHiddenInput(forms.TextInput):
    """A hidden value the browser gives back when the person goes Back to the form.

    Browsers restore the fields of a page shown again from the history, but only those whose
    value differs from the page's own default, and never a `type=hidden` input: going Back to a
    sent public form would show what was typed with a new one-time token, and sending it again
    would make a second contact. This is a text input out of sight and out of the accessibility
    tree (the `hidden` attribute); contacts/form-token.js empties its default on load, so that
    the browser keeps its value and gives the same token back."""

    is_hidden = True

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__({"hidden": True, **(attrs or {})})


class NullableYesNo(forms.TypedChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=TRI_STATE,
            coerce=lambda v: {"yes": True, "no": False}.get(v),
            empty_value=None,
            required=False,
            **kwargs,
        )

    def prepare_value(self, value: Any) -> str:
        return {True: "yes", False: "no"}.get(value, "")


class LocationMixin:
    def clean_location(self, data: dict[str, Any]) -> None:
        postal_code = (data.get("postal_code") or "").strip()
        if postal_code and geo.zip_place(postal_code) is None:
            self.add_error(  # type: ignore[attr-defined]
                "postal_code", _("We have no US ZIP code %(zip)s.") % {"zip": postal_code[:10]}
            )


class IntakeForm(LocationMixin, forms.ModelForm[Contact]):
    """What a specialist records, in the order of a call; defaults suit a phone call."""

    request_types = forms.MultipleChoiceField(
        label=_("Request types"),
        choices=RequestType.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    state = forms.ChoiceField(label=_("State"), required=False, choices=())
    safe_to_call = NullableYesNo(label=_("Safe to call"))
    safe_to_text = NullableYesNo(label=_("Safe to text"))
    voicemail_ok = NullableYesNo(label=_("Voicemail OK"))

    class Meta:
        model = Contact
        fields = [
            "channel",
            "urgency",
            "request_types",
            "caller_type",
            "substantive",
            "language",
            "interpreter_used",
            "postal_code",
            "city",
            "state",
            "heard_from",
            "caller_name",
            "caller_phone",
            "caller_email",
            "safe_to_call",
            "safe_to_text",
            "voicemail_ok",
            "safe_times",
            "code_word",
            "narrative",
            "outcome",
            "follow_up_needed",
            "follow_up_on",
            "status",
        ]
        widgets = {
            "narrative": forms.Textarea(attrs={"rows": 8}),
            "follow_up_on": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = state_choices()  # type: ignore[attr-defined]
        self.fields["channel"].initial = "phone"
        self.fields["channel"].widget.attrs["autofocus"] = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.clean_location(data)
        if data.get("follow_up_needed") and not data.get("follow_up_on"):
            self.add_error("follow_up_on", _("Give the day of the follow-up."))
        if RequestType.CRISIS in (data.get("request_types") or []):
            data["urgency"] = Urgency.URGENT
        return data


class PublicForm(LocationMixin, forms.Form):
    """Shared by the public tip and help forms: anonymous, a honeypot, a one-time token."""

    narrative: forms.CharField
    postal_code = forms.CharField(label=_("ZIP code (optional)"), max_length=10, required=False)
    city = forms.CharField(label=_("City (optional)"), max_length=100, required=False)
    state = forms.ChoiceField(label=_("State (optional)"), required=False, choices=())
    caller_type = forms.ChoiceField(
        label=_("Which describes you best? (optional)"),
        choices=[("", "—"), *CallerType.choices],
        required=False,
    )
    caller_name = forms.CharField(
        label=_("A name we may use (optional)"), max_length=100, required=False
    )
    caller_phone = forms.CharField(label=_("Phone (optional)"), max_length=30, required=False)
    caller_email = forms.EmailField(label=_("Email (optional)"), required=False)
    safe_to_call = forms.BooleanField(label=_("It is safe to call this number"), required=False)
    safe_to_text = forms.BooleanField(label=_("It is safe to text this number"), required=False)
    voicemail_ok = forms.BooleanField(label=_("It is safe to leave a voicemail"), required=False)
    safe_times = forms.CharField(
        label=_("Safe times to reach you (optional)"), max_length=200, required=False
    )
    # Hidden from people by the stylesheet; bots fill it in.
    website = forms.CharField(label=_("Leave this empty"), required=False)
    form_token = forms.CharField(widget=RestorableHiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"].choices = state_choices()  # type: ignore[attr-defined]
        self.fields["website"].widget.attrs.update({"autocomplete": "off", "tabindex": "-1"})
        if not self.is_bound:
            self.initial["form_token"] = new_form_token()

    def is_spam(self) -> bool:
        return bool(self.data.get("website"))

    def clean_form_token(self) -> str:
        token = self.cleaned_data["form_token"]
        try:
            signing.loads(token, salt=FORM_TOKEN_SALT, max_age=FORM_TOKEN_MAX_AGE)
        except signing.BadSignature:
            raise forms.ValidationError(
                _("This form has expired. Please send it again."), code="expired"
            ) from None
        return token

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        self.clean_location(data)
        return data

    def token_hash(self) -> str:
        return token_hash(self.cleaned_data["form_token"])

    def contact(self) -> Contact:
        data = self.cleaned_data
        phone = data.get("caller_phone", "").strip()
        return Contact(
            channel="webform",
            narrative=data["narrative"],
            postal_code=data.get("postal_code", "").strip(),
            city=data.get("city", "").strip(),
            state=data.get("state", ""),
            caller_type=data.get("caller_type") or CallerType.NOT_SPECIFIED,
            caller_name=data.get("caller_name", ""),
            caller_phone=data.get("caller_phone", ""),
            caller_email=data.get("caller_email", ""),
            safe_to_call=bool(data.get("safe_to_call")) if phone else None,
            safe_to_text=bool(data.get("safe_to_text")) if phone else None,
            voicemail_ok=bool(data.get("voicemail_ok")) if phone else None,
            safe_times=data.get("safe_times", ""),
            form_token_hash=self.token_hash(),
        )


class TipForm(PublicForm):
    narrative = forms.CharField(
        label=_("What did you see or hear?"),
        help_text=_("Where, when, who was involved. Share only what you feel safe sharing."),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=10000,
    )
    field_order = ["narrative", "postal_code", "city", "state", "caller_type"]

    def contact(self) -> Contact:
        contact = super().contact()
        # Tips are handled around the clock (seed 004).
        contact.request_types = [RequestType.TIP]
        contact.urgency = Urgency.URGENT
        return contact


HELP_KINDS = [
    (RequestType.REFERRAL, _("A referral to services")),
    (RequestType.TTA, _("Training or technical assistance")),
    (RequestType.GENERAL_INFO, _("General information")),
]


class HelpForm(PublicForm):
    kind = forms.ChoiceField(label=_("What do you need?"), choices=HELP_KINDS)
    urgent = forms.BooleanField(
        label=_("This is urgent (it cannot wait for business hours)"), required=False
    )
    narrative = forms.CharField(
        label=_("How can we help?"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=10000,
    )
    field_order = ["kind", "urgent", "narrative", "postal_code", "city", "state", "caller_type"]

    def contact(self) -> Contact:
        contact = super().contact()
        contact.request_types = [self.cleaned_data["kind"]]
        contact.urgency = Urgency.URGENT if self.cleaned_data["urgent"] else Urgency.NON_URGENT
        return contact


class LibrarySearchForm(forms.Form):
    text = forms.CharField(label=_("Search the library"), max_length=200)
