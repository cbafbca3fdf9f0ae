"""The curators' edit screen for a listing: the organization and, in bounded formsets, its
services, locations (with their street address and the services offered there), phones and
service hours. `ListingEditor` reads the listing in a fixed number of queries, validates every
part together and turns a valid submit into the rows `actions.edit_listing` writes: nothing is
saved here."""

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from django import forms
from django.db.models import Q, QuerySet
from django.forms import BaseModelFormSet, modelformset_factory
from django.utils.translation import gettext_lazy as _

from hotline.directory.models import (
    Address,
    Attribute,
    HSDSModel,
    Location,
    Organization,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
)

# Rows per formset: far above any real listing, low enough to bound a page and a submit.
MAX_ROWS = 50

DAY_CHOICES = [
    ("MO", _("Monday")),
    ("TU", _("Tuesday")),
    ("WE", _("Wednesday")),
    ("TH", _("Thursday")),
    ("FR", _("Friday")),
    ("SA", _("Saturday")),
    ("SU", _("Sunday")),
]
DAY_CODES = [code for code, _label in DAY_CHOICES]

ORGANIZATION = "organization"


class OrganizationEditForm(forms.ModelForm[Organization]):
    email = forms.EmailField(label=_("Email"), required=False, max_length=255)
    website = forms.URLField(
        label=_("Website"), required=False, max_length=500, assume_scheme="https"
    )

    class Meta:
        model = Organization
        fields = ["name", "alternate_name", "description", "email", "website", "year_incorporated"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def legend(self) -> str:
        return self.instance.name

    def clean_year_incorporated(self) -> int | None:
        year = self.cleaned_data.get("year_incorporated")
        if year is not None and not 1600 <= year <= 2100:
            raise forms.ValidationError(_("Give the year as four digits, such as 1998."))
        return year


class ServiceEditForm(forms.ModelForm[Service]):
    email = forms.EmailField(label=_("Email"), required=False, max_length=255)
    url = forms.URLField(label=_("Website"), required=False, max_length=500, assume_scheme="https")

    class Meta:
        model = Service
        fields = [
            "name",
            "status",
            "description",
            "url",
            "email",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "application_process",
            "fees_description",
            "interpretation_services",
            "alert",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 2})
            for name in [
                "description",
                "eligibility_description",
                "application_process",
                "fees_description",
                "interpretation_services",
                "alert",
            ]
        }

    def legend(self) -> str:
        return "" if self.instance._state.adding else self.instance.name

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for name in ["minimum_age", "maximum_age"]:
            age = data.get(name)
            if age is not None and not 0 <= age <= 120:
                self.add_error(name, _("Give an age between 0 and 120."))
        low, high = data.get("minimum_age"), data.get("maximum_age")
        if low is not None and high is not None and low > high:
            self.add_error("maximum_age", _("The maximum age is below the minimum age."))
        return data


class LocationEditForm(forms.ModelForm[Location]):
    """A location with its (first) street address and the services offered there."""

    address_1 = forms.CharField(label=_("Street address"), required=False, max_length=255)
    address_2 = forms.CharField(label=_("Address line 2"), required=False, max_length=255)
    city = forms.CharField(label=_("City"), required=False, max_length=255)
    state_province = forms.CharField(label=_("State"), required=False, max_length=255)
    postal_code = forms.CharField(label=_("ZIP code"), required=False, max_length=32)
    services = forms.MultipleChoiceField(
        label=_("Services offered here"),
        required=False,
        choices=(),
        widget=forms.CheckboxSelectMultiple,
    )

    ADDRESS_FIELDS = ["address_1", "address_2", "city", "state_province", "postal_code"]

    class Meta:
        model = Location
        fields = [
            "name",
            "location_type",
            "description",
            "transportation",
            "latitude",
            "longitude",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "transportation": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(
        self,
        *args: Any,
        service_choices: list[tuple[str, str]],
        addresses: dict[UUID, Address],
        offered: dict[UUID, list[str]],
        confidential: set[UUID],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.confidential = self.instance.pk in confidential and not self.instance._state.adding
        self.fields["services"].choices = service_choices  # type: ignore[attr-defined]
        self.address = addresses.get(self.instance.pk) if not self.instance._state.adding else None
        if self.address is not None:
            for name in self.ADDRESS_FIELDS:
                self.fields[name].initial = getattr(self.address, name)
        self.fields["services"].initial = offered.get(self.instance.pk, [])

    def legend(self) -> str:
        if self.instance._state.adding:
            return ""
        return self.instance.name or str(_("Unnamed location"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        lat, lon = data.get("latitude"), data.get("longitude")
        if lat is not None and not -90 <= lat <= 90:
            self.add_error("latitude", _("A latitude lies between -90 and 90."))
        if lon is not None and not -180 <= lon <= 180:
            self.add_error("longitude", _("A longitude lies between -180 and 180."))
        if (lat is None) != (lon is None):
            self.add_error("longitude", _("Give both latitude and longitude, or neither."))
        if data.get("address_1") and not (data.get("city") and data.get("state_province")):
            self.add_error("city", _("A street address needs its city and state."))
        return data

    def address_row(self) -> Address | None:
        """The address as it should be, or None when it neither exists nor is being given."""
        values = {name: (self.cleaned_data.get(name) or "").strip() for name in self.ADDRESS_FIELDS}
        address = self.address
        if address is None:
            if not any(values.values()):
                return None
            address = Address(location=self.instance, country="US", address_type="physical")
        for name, value in values.items():
            setattr(address, name, value)
        return address


class PhoneEditForm(forms.ModelForm[Phone]):
    delete_label = _("Remove this number")
    owner = forms.ChoiceField(label=_("Number of"), choices=())
    type = forms.ChoiceField(
        label=_("Kind of number"),
        required=False,
        choices=[
            ("voice", _("Voice")),
            ("text", _("Text messages")),
            ("fax", _("Fax")),
            ("cell", _("Mobile")),
            ("video", _("Video")),
            ("pager", _("Pager")),
            ("textphone", _("Textphone (TTY)")),
        ],
    )

    class Meta:
        model = Phone
        fields = ["number", "extension", "type", "description"]
        widgets = {"description": forms.TextInput()}

    def __init__(
        self,
        *args: Any,
        owner_choices: list[tuple[str, str]],
        organization_id: UUID,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.organization_id = organization_id
        self.fields["owner"].choices = owner_choices  # type: ignore[attr-defined]
        self.fields["owner"].initial = ORGANIZATION
        phone = self.instance
        if not phone._state.adding:
            if phone.service_id:
                self.fields["owner"].initial = f"service:{phone.service_id}"
            elif phone.location_id:
                self.fields["owner"].initial = f"location:{phone.location_id}"
        self.fields["type"].initial = phone.type or "voice"
        self.order_fields(["owner", "number", "extension", "type", "description"])

    def legend(self) -> str:
        return "" if self.instance._state.adding else self.instance.number

    def clean_extension(self) -> float | None:
        extension = self.cleaned_data.get("extension")
        if extension is not None and (extension < 0 or extension != int(extension)):
            raise forms.ValidationError(_("An extension is a whole number, such as 204."))
        return extension

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        owner = data.get("owner")
        if owner:
            kind, _sep, pk = owner.partition(":")
            phone = self.instance
            phone.organization_id = None
            phone.service_id = pk if kind == "service" else None
            phone.location_id = pk if kind == "location" else None
            if kind == ORGANIZATION:
                phone.organization_id = self.organization_id
        return data


class ScheduleEditForm(forms.ModelForm[Schedule]):
    delete_label = _("Remove these hours")
    service = forms.ChoiceField(label=_("Hours of"), choices=())
    days = forms.MultipleChoiceField(
        label=_("Days"),
        required=False,
        choices=DAY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every day."),
    )

    class Meta:
        model = Schedule
        fields = ["opens_at", "closes_at", "description"]
        widgets = {
            "opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "description": forms.TextInput(),
        }

    def __init__(self, *args: Any, service_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].choices = service_choices  # type: ignore[attr-defined]
        schedule = self.instance
        if service_choices:
            self.fields["service"].initial = service_choices[0][0]
        if not schedule._state.adding:
            self.fields["service"].initial = str(schedule.service_id)
            self.fields["days"].initial = [
                day.strip()[-2:]
                for day in schedule.byday.split(",")
                if day.strip()[-2:] in DAY_CODES
            ]
        self.order_fields(["service", "days", "opens_at", "closes_at", "description"])
        self.service_names = dict(service_choices)

    def legend(self) -> str:
        if self.instance._state.adding:
            return ""
        name = self.service_names.get(str(self.instance.service_id), "")
        return str(_("Hours of %(service)s") % {"service": name})

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        opens, closes = data.get("opens_at"), data.get("closes_at")
        if (opens is None) != (closes is None):
            self.add_error("closes_at", _("Give both the opening and the closing time."))
        elif opens is not None and closes is not None and closes <= opens:
            self.add_error("closes_at", _("The closing time must be after the opening time."))
        schedule = self.instance
        if data.get("service"):
            schedule.service_id = data["service"]
        days = data.get("days") or []
        byday = ",".join(code for code in DAY_CODES if code in days)
        if byday != schedule.byday:
            schedule.byday = byday
        if not schedule.freq:
            schedule.freq = "WEEKLY"
        return data


class RowsFormSet(BaseModelFormSet[Any, Any]):
    """A model formset over rows the editor has read already (one query per table for the
    whole page), instead of a queryset of its own."""

    def __init__(self, *args: Any, rows: list[Any], **kwargs: Any) -> None:
        self.rows = rows
        super().__init__(*args, **kwargs)

    def get_queryset(self) -> Any:
        return self.rows

    def add_fields(self, form: Any, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = form.delete_label


def _formset(
    form: type[forms.ModelForm[Any]], can_delete: bool
) -> type[BaseModelFormSet[Any, Any]]:
    return modelformset_factory(
        form._meta.model,
        form=form,
        formset=RowsFormSet,
        extra=1,
        max_num=MAX_ROWS,
        absolute_max=MAX_ROWS,
        validate_max=True,
        can_delete=can_delete,
        can_delete_extra=False,
    )


ServiceFormSet = _formset(ServiceEditForm, can_delete=False)
LocationFormSet = _formset(LocationEditForm, can_delete=False)
PhoneFormSet = _formset(PhoneEditForm, can_delete=True)
ScheduleFormSet = _formset(ScheduleEditForm, can_delete=True)


@dataclass
class ListingChanges:
    """What a valid submit changes, in the order the rows must be written."""

    rows: list[HSDSModel] = field(default_factory=list)
    deleted: list[HSDSModel] = field(default_factory=list)
    # Location id -> the ids of this organization's services offered there.
    offered: dict[UUID, set[UUID]] = field(default_factory=dict)


class ListingEditor:
    def __init__(self, organization: Organization, data: Any = None) -> None:
        self.organization = organization
        services = list(organization.services.order_by("name"))
        service_ids = [service.pk for service in services]
        self.locations: QuerySet[Location] = (
            Location.objects.filter(
                Q(organization=organization) | Q(service_at_locations__service_id__in=service_ids)
            )
            .distinct()
            .order_by("name", "id")
        )
        locations = list(self.locations)
        location_ids = [location.pk for location in locations]
        addresses: dict[UUID, Address] = {}
        for address in Address.objects.filter(location_id__in=location_ids).order_by("id"):
            addresses.setdefault(address.location_id, address)  # type: ignore[arg-type]
        offered: dict[UUID, list[str]] = defaultdict(list)
        for service_id, location_id in ServiceAtLocation.objects.filter(
            service_id__in=service_ids
        ).values_list("service_id", "location_id"):
            offered[location_id].append(str(service_id))
        service_choices = [(str(service.pk), service.name) for service in services]
        owner_choices = [
            (ORGANIZATION, _("The organization")),
            *[(f"service:{service.pk}", service.name) for service in services],
            *[
                (f"location:{location.pk}", location.name or _("Unnamed location"))
                for location in locations
            ],
        ]
        self.organization_form = OrganizationEditForm(data, instance=organization, prefix="org")
        self.services = ServiceFormSet(data, rows=services, prefix="services")
        self.location_forms = LocationFormSet(
            data,
            rows=locations,
            prefix="locations",
            form_kwargs={
                "service_choices": service_choices,
                "addresses": addresses,
                "offered": offered,
                "confidential": set(
                    Attribute.objects.confidential_location_ids().filter(link_id__in=location_ids)
                ),
            },
        )
        phones = list(
            Phone.objects.filter(
                Q(organization=organization)
                | Q(service_id__in=service_ids)
                | Q(location_id__in=location_ids)
            ).order_by("number", "id")
        )
        self.phones = PhoneFormSet(
            data,
            rows=phones,
            prefix="phones",
            form_kwargs={"owner_choices": owner_choices, "organization_id": organization.pk},
        )
        schedules = list(
            Schedule.objects.filter(service_id__in=service_ids).order_by("service_id", "id")
        )
        self.schedules = ScheduleFormSet(
            data,
            rows=schedules,
            prefix="schedules",
            form_kwargs={"service_choices": service_choices},
        )
        self.has_services = bool(services)

    @property
    def formsets(self) -> list[BaseModelFormSet[Any, Any]]:
        return [self.services, self.location_forms, self.phones, self.schedules]

    def is_valid(self) -> bool:
        valid = self.organization_form.is_valid()
        for formset in self.formsets:
            valid = formset.is_valid() and valid
        return valid

    def changes(self) -> ListingChanges:
        """The rows a valid submit writes: changed or new ones, and deleted ones."""
        changes = ListingChanges()
        if self.organization_form.has_changed():
            changes.rows.append(self.organization_form.instance)
        for form in self.services.forms:
            if form.has_changed():
                form.instance.organization = self.organization
                changes.rows.append(form.instance)
        addresses = []
        for form in self.location_forms.forms:
            if not form.has_changed():
                continue
            location = form.instance
            if location._state.adding:
                location.organization = self.organization
            changes.rows.append(location)
            address = form.address_row()
            if address is not None:
                addresses.append(address)
            changes.offered[location.pk] = {UUID(pk) for pk in form.cleaned_data["services"]}
        changes.rows += addresses
        for formset in [self.phones, self.schedules]:
            deleted = {id(form) for form in formset.deleted_forms}
            for form in formset.forms:
                if id(form) in deleted:
                    if not form.instance._state.adding:
                        changes.deleted.append(form.instance)
                elif form.has_changed():
                    changes.rows.append(form.instance)
        return changes
