import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from hotline.contacts.actions import receive
from hotline.contacts.models import Contact, RequestType, Urgency

# Fictional samples; each is created once (found again by its narrative marker).
SAMPLES: list[dict[str, Any]] = [
    {
        "channel": "phone",
        "urgency": Urgency.URGENT,
        "request_types": [RequestType.CRISIS],
        "postal_code": "60601",
        "city": "Chicago",
        "state": "IL",
        "narrative": "[demo 1] Caller says a friend cannot leave her job site (fictional).",
    },
    {
        "channel": "webform",
        "urgency": Urgency.URGENT,
        "request_types": [RequestType.TIP],
        "postal_code": "10001",
        "narrative": "[demo 2] Tip about a massage business open all night (fictional).",
    },
    {
        "channel": "email",
        "urgency": Urgency.NON_URGENT,
        "request_types": [RequestType.TTA],
        "narrative": "[demo 3] A school asks for a training next month (fictional).",
        "received_ago": dt.timedelta(days=2),
    },
    # A repeat caller: the same (fictional, reserved 555-01xx) number written two ways, so that
    # the console search and the caller history have someone to find.
    {
        "channel": "phone",
        "urgency": Urgency.NON_URGENT,
        "request_types": [RequestType.REFERRAL],
        "postal_code": "60601",
        "caller_phone": "(312) 555-0142",
        "safe_to_call": True,
        "narrative": "[demo 4] Caller asks for legal help about unpaid wages (fictional).",
        "received_ago": dt.timedelta(days=9),
    },
    {
        "channel": "phone",
        "urgency": Urgency.NON_URGENT,
        "request_types": [RequestType.REFERRAL],
        "postal_code": "60601",
        "caller_phone": "+1 312 555 0142",
        "safe_to_call": True,
        "narrative": "[demo 5] The same caller asks again for a shelter near Chicago (fictional).",
        "received_ago": dt.timedelta(hours=3),
    },
]


class Command(BaseCommand):
    help = "Add a few fictional sample contacts (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        made = 0
        for sample in SAMPLES:
            values = dict(sample)
            marker = values["narrative"].split("]")[0] + "]"
            if Contact.objects.filter(narrative__startswith=marker).exists():
                continue
            ago = values.pop("received_ago", dt.timedelta())
            receive(Contact(**values, received_at=timezone.now() - ago))
            made += 1
        self.stdout.write(f"Demo contacts: {made} added.")
