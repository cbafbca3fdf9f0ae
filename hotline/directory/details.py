"""What a search hit shows beyond its search entry: phones, and for staff the street address;
and a service's card, what a person is sent to reach it."""

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from hotline.directory.models import Address, Attribute, Phone, Service
from hotline.directory.search import Hit, Results


def attach_details(results: Results, staff: bool) -> None:
    """Phones, and for staff the street address, of every hit: a fixed number of queries."""
    hits: list[Hit] = [*results.local, *results.national]
    if not hits:
        return
    service_ids = {hit.entry["service_id"] for hit in hits}
    location_ids = {hit.entry["location_id"] for hit in hits if hit.entry["location_id"]}
    org_ids = {hit.entry["organization_id"] for hit in hits}
    phones: dict[Any, list[str]] = defaultdict(list)
    for phone in Phone.objects.filter(
        Q(service_id__in=service_ids)
        | Q(location_id__in=location_ids)
        | Q(organization_id__in=org_ids)
    ).values("service_id", "location_id", "organization_id", "number", "extension"):
        number = _phone_text(phone)
        for key in ("service_id", "location_id", "organization_id"):
            if phone[key]:
                phones[phone[key]].append(number)
    addresses: dict[Any, str] = {}
    if staff:
        for address in Address.objects.filter(location_id__in=location_ids).values(
            "location_id", "address_1", "address_2", "city", "state_province", "postal_code"
        ):
            addresses[address["location_id"]] = _address_text(address)
    for hit in hits:
        entry = hit.entry
        numbers = (
            phones.get(entry["service_id"], [])
            + phones.get(entry["location_id"], [])
            + phones.get(entry["organization_id"], [])
        )
        hit.details = {
            "phones": list(dict.fromkeys(numbers)),
            "address": addresses.get(entry["location_id"], "") if staff else "",
        }


@dataclass(frozen=True)
class Card:
    """What a person is told of a service to reach it: its phones, and the street address of
    its first location that is not confidential ("" when every location is)."""

    phones: list[str]
    address: str


def _phone_text(phone: Mapping[str, Any]) -> str:
    return phone["number"] + (f" x{int(phone['extension'])}" if phone["extension"] else "")


def _address_text(address: Mapping[str, Any]) -> str:
    region = f"{address['state_province']} {address['postal_code']}".strip()
    parts = [address["address_1"], address["address_2"], address["city"], region]
    return ", ".join(part for part in parts if part)


def service_card(service: Service) -> Card:
    """The service's card: a fixed number of queries. A confidential location's address is
    never on it (the rule of `Attribute.objects.confidential_location_ids`), whoever asks: a
    card is for handing to someone outside the hotline."""
    location_ids = list(
        service.service_at_locations.exclude(
            location_id__in=Attribute.objects.confidential_location_ids()
        )
        .order_by("location__name", "location_id")
        .values_list("location_id", flat=True)
    )
    numbers = []
    for phone in Phone.objects.filter(
        Q(service_id=service.pk)
        | Q(location_id__in=location_ids)
        | Q(organization_id=service.organization_id)
    ).values("service_id", "location_id", "number", "extension"):
        number = _phone_text(phone)
        # The service's own first, then its locations', then its organization's.
        rank = 0 if phone["service_id"] else 1 if phone["location_id"] else 2
        numbers.append((rank, number))
    addresses = {
        a["location_id"]: _address_text(a)
        for a in Address.objects.filter(location_id__in=location_ids).values(
            "location_id", "address_1", "address_2", "city", "state_province", "postal_code"
        )
    }
    address = next((addresses[i] for i in location_ids if addresses.get(i)), "")
    return Card(list(dict.fromkeys(n for _rank, n in sorted(numbers, key=lambda p: p[0]))), address)
