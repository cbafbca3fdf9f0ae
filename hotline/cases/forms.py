import uuid
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.forms.utils import ErrorDict
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import Role, User
from hotline.cases.models import Case, Consent, ReportingPolicy, Victim
from hotline.cases.vocabularies import (
    CaseStatus,
    ConsentPurpose,
    ControlMethod,
    Exception_,
    Means,
    ReportOutcome,
    RiskFactor,
    Typology,
)
from hotline.directory import profile
from hotline.directory.models import Attribute, Organization

MULTI = forms.CheckboxSelectMultiple


def recipient_organizations(policy: ReportingPolicy | None = None) -> QuerySet[Organization]:
    """Listed organizations of the kinds the policy names, and every organization linked to a
    liaison agency (those receive reports in the portal)."""
    policy = policy or ReportingPolicy.current()
    terms = [
        profile.TERM_BY_CODE[code].id
        for code in (f"org_kind:{kind}" for kind in policy.recipient_kinds)
        if code in profile.TERM_BY_CODE
    ]
    kinds = Attribute.objects.filter(taxonomy_term_id__in=terms).values("link_id")
    return Organization.objects.filter(
        Q(agency_link__isnull=False) | (Q(listing_status="listed") & Q(pk__in=kinds))
    ).order_by("name")


RECIPIENT_MATCHES = 20


def recipient_matches(query: str, *, exclude: list[uuid.UUID] | None = None) -> list[Organization]:
    """The type-ahead over possible recipients: organizations whose name (or other name) holds
    the words typed; with nothing typed, the agencies that receive reports in the portal."""
    found = recipient_organizations()
    words = query.split()[:5]
    if words:
        for word in words:
            found = found.filter(Q(name__icontains=word) | Q(alternate_name__icontains=word))
    else:
        found = found.filter(agency_link__isnull=False)
    if exclude:
        found = found.exclude(pk__in=exclude)
    return list(found.distinct()[:RECIPIENT_MATCHES])


def parse_uuids(values: list[str]) -> list[uuid.UUID]:
    found = []
    for value in values:
        try:
            found.append(uuid.UUID(str(value)))
        except ValueError:
            continue
    return found


class CaseForm(forms.ModelForm[Case]):
    typologies = forms.MultipleChoiceField(
        label=_("Typology"), choices=Typology.choices, widget=MULTI, required=False
    )
    means = forms.MultipleChoiceField(
        label=_("Force, fraud, coercion"), choices=Means.choices, widget=MULTI, required=False
    )
    control_methods = forms.MultipleChoiceField(
        label=_("Control methods"), choices=ControlMethod.choices, widget=MULTI, required=False
    )
    risk_factors = forms.MultipleChoiceField(
        label=_("Risk factors"), choices=RiskFactor.choices, widget=MULTI, required=False
    )

    class Meta:
        model = Case
        fields = [
            "trafficking_type",
            "typologies",
            "venue",
            "city",
            "state",
            "postal_code",
            "address",
            "means",
            "control_methods",
            "recruitment",
            "risk_factors",
            "imminent_danger",
            "summary",
            "assigned_to",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assigned_to"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            role__in=[Role.SPECIALIST, Role.SUPERVISOR], is_active=True
        )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=CaseStatus.choices)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}))


class AttachForm(forms.Form):
    case_reference = forms.CharField(label=_("Case reference"), max_length=20)


class VictimForm(forms.ModelForm[Victim]):
    class Meta:
        model = Victim
        fields = [
            "name",
            "alias",
            "age_group",
            "emancipated",
            "date_of_birth",
            "gender",
            "citizenship",
            "indicator_level",
            "phone",
            "email",
            "address",
            "code_word",
            "description",
        ]
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"})}


class ConsentForm(forms.ModelForm[Consent]):
    purposes = forms.MultipleChoiceField(
        label=_("Purposes"), choices=ConsentPurpose.choices, widget=MULTI
    )

    class Meta:
        model = Consent
        fields = [
            "victim",
            "given_by",
            "giver_name",
            "recipients",
            "purposes",
            "method",
            "given_at",
            "expires_at",
        ]
        widgets = {
            "recipients": MULTI,
            # To the minute: with seconds in the value, the browser refuses a whole minute typed
            # over it (the value is the base of the input's 60-second step).
            "given_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "expires_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
        }

    def __init__(self, *args: Any, case: Case, recipient_query: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["victim"].queryset = case.victims.all()  # type: ignore[attr-defined]
        self.fields["recipients"].queryset = recipient_organizations()  # type: ignore[attr-defined]
        self.fields["expires_at"].required = True
        # The picker: the recipients already chosen stay shown, the matches of what was typed
        # follow (the choice is validated against every possible recipient).
        self.recipient_query = recipient_query.strip()[:100]
        chosen = parse_uuids(self.data.getlist("recipients") if self.is_bound else [])  # type: ignore[attr-defined]
        self.chosen = list(recipient_organizations().filter(pk__in=chosen)) if chosen else []
        self.matches = recipient_matches(
            self.recipient_query, exclude=[org.pk for org in self.chosen]
        )

    def only_finding(self) -> None:
        """Re-shown to pick recipients, not sent: nothing is validated, no error is shown."""
        self._errors = ErrorDict()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given, expires = data.get("given_at"), data.get("expires_at")
        if given and expires and expires <= given:
            self.add_error("expires_at", _("A consent must expire after it was given."))
        return data


class ReportForm(forms.Form):
    recipients = forms.ModelMultipleChoiceField(
        label=_("Recipient agencies"), queryset=Organization.objects.none(), widget=MULTI
    )
    deidentified_only = forms.BooleanField(
        label=_("Send a de-identified report even where consent would allow more"),
        required=False,
    )
    exception = forms.ChoiceField(
        label=_("Without consent, invoke"),
        choices=[("", _("No exception")), *Exception_.choices],
        required=False,
    )
    reason = forms.CharField(
        label=_("Documented reason (for an exception)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    redacted_summary = forms.CharField(
        label=_("Redacted summary for a de-identified report (no names, numbers, places)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def __init__(self, *args: Any, name_filter: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["recipients"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = recipient_organizations()
        # The page lists the portal agencies and up to 100 others matching the filter; the
        # choice is validated against every possible recipient.
        shown = recipient_organizations().filter(agency_link__isnull=False)
        if name_filter:
            shown = shown | recipient_organizations().filter(name__icontains=name_filter)
        self.shown = list(shown.distinct()[:100])


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ReportOutcome.choices)
