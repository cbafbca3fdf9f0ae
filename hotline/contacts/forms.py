import datetime as dt
import secrets
from typing import Any

from django import forms
from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import User
from hotline.contacts.models import (
    EARLIEST_DATE,
    NOTE_MAX_LENGTH,
    CallerType,
    Channel,
    Contact,
    ContactQuerySet,
    RequestType,
    Status,
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


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Add a note"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("Write the note before adding it."),
            "max_length": _(
                "A note can be at most %(limit_value)d characters; this one has %(show_value)d."
            ),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The contact page also holds the library search's `text`: ids must not collide.
        kwargs.setdefault("auto_id", "id_note_%s")
        super().__init__(*args, **kwargs)


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


QUEUE_PAGE_SIZE = 50
# Deep enough for any list a person reads page by page; narrower filters find the rest.
QUEUE_MAX_PAGE = 200
OPEN = ""
ANY_STATUS = "any"


class QueueFilterForm(forms.Form):
    """The queue's filters, from the query string: codes and dates only, no personal data.
    Empty, it is the default queue: open contacts, urgent first, then oldest."""

    assigned = forms.ChoiceField(
        label=_("Assigned"),
        required=False,
        choices=[("", _("Anyone or nobody")), ("mine", _("Mine")), ("nobody", _("Unassigned"))],
    )
    urgency = forms.ChoiceField(
        label=_("Urgency"), required=False, choices=[("", _("Any")), *Urgency.choices]
    )
    request_type = forms.ChoiceField(
        label=_("Request type"), required=False, choices=[("", _("Any")), *RequestType.choices]
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("Any")), *Channel.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[(OPEN, _("Open (not closed)")), *Status.choices, (ANY_STATUS, _("Any status"))],
    )
    received_from = forms.DateField(
        label=_("Received from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    received_to = forms.DateField(
        label=_("Received to"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    page = forms.IntegerField(
        label=_("Page"),
        required=False,
        min_value=1,
        max_value=QUEUE_MAX_PAGE,
        widget=forms.HiddenInput,
        error_messages={
            key: _("There is no such page: pages go from 1 to %(last)s.") % {"last": QUEUE_MAX_PAGE}
            for key in ("invalid", "min_value", "max_value")
        },
    )

    def clean_received_from(self) -> dt.date | None:
        return self._clean_day("received_from")

    def clean_received_to(self) -> dt.date | None:
        return self._clean_day("received_to")

    def _clean_day(self, name: str) -> dt.date | None:
        day: dt.date | None = self.cleaned_data.get(name)
        latest = timezone.localdate() + dt.timedelta(days=1)
        if day is not None and not EARLIEST_DATE <= day <= latest:
            raise forms.ValidationError(_("Enter a date between the year 2000 and today."))
        return day

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("received_from"), data.get("received_to")
        if start and end and end < start:
            self.add_error("received_to", _("The end of the range is before its start."))
        return data

    @property
    def page_number(self) -> int:
        return (self.cleaned_data.get("page") if self.is_bound and self.is_valid() else None) or 1

    def closed_too(self) -> bool:
        return self.cleaned_data.get("status", OPEN) in (Status.CLOSED, ANY_STATUS)

    def apply(self, contacts: ContactQuerySet, user: User) -> ContactQuerySet:
        """The filtered contacts in the list's order (call after is_valid()). Open contacts
        are listed urgent first, then oldest; once closed ones are in, newest first."""
        data = self.cleaned_data
        status = data.get("status", OPEN)
        if status == OPEN:
            contacts = contacts.open()
        elif status != ANY_STATUS:
            contacts = contacts.filter(status=status)
        if data.get("assigned") == "mine":
            contacts = contacts.filter(assigned_to=user)
        elif data.get("assigned") == "nobody":
            contacts = contacts.unassigned()
        if data.get("urgency"):
            contacts = contacts.filter(urgency=data["urgency"])
        if data.get("channel"):
            contacts = contacts.filter(channel=data["channel"])
        if data.get("request_type"):
            # A JSON list of codes from RequestType: the quoted code matches one element on
            # both databases (SQLite has no JSON containment lookup).
            contacts = contacts.filter(request_types__icontains=f'"{data["request_type"]}"')
        if data.get("received_from"):
            contacts = contacts.filter(received_at__gte=_start_of(data["received_from"]))
        if data.get("received_to"):
            end = _start_of(data["received_to"] + dt.timedelta(days=1))
            contacts = contacts.filter(received_at__lt=end)
        if self.closed_too():
            return contacts.order_by("-received_at", "-pk")
        return contacts.queue_order()


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight at the start of a day in the hotline's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
