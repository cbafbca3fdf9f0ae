"""What a search hit shows beyond its search entry: phones, and for staff the street address."""

from collections import defaultdict
from typing import Any

from django.db.models import Q

from hotline.directory.models import Address, Phone
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
        number = phone["number"] + (f" x{int(phone['extension'])}" if phone["extension"] else "")
        for key in ("service_id", "location_id", "organization_id"):
            if phone[key]:
                phones[phone[key]].append(number)
    addresses: dict[Any, str] = {}
    if staff:
        for address in Address.objects.filter(location_id__in=location_ids).values(
            "location_id", "address_1", "address_2", "city", "state_province", "postal_code"
        ):
            addresses[address["location_id"]] = ", ".join(
                part
                for part in [
                    address["address_1"],
                    address["address_2"],
                    address["city"],
                    f"{address['state_province']} {address['postal_code']}".strip(),
                ]
                if part
            )
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
