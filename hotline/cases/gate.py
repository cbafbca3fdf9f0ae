"""The consent gate: what one report of a case to one recipient may carry, and the payload.

- Every victim has a consent in force that names the recipient for reporting (and, for an
  unemancipated minor, a parent's or guardian's too) → a full report (`consent`).
- Otherwise a minor or imminent danger → a full report only with a documented reason and a
  supervisor's approval (`minor`, `imminent_danger`), if the policy allows that path.
- Otherwise → a de-identified report: codes only, no names, phone numbers, emails, addresses,
  dates of birth, code words or free text; a specialist's redacted summary may go instead.

The payload is built from an allow-list: a field leaves only if this module names it. Nothing
here writes to the database; `actions.send_report` stores what `decide` and `build_payload` say.
"""

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from hotline.cases.models import Case, Consent, Report, ReportingPolicy, Victim
from hotline.cases.vocabularies import AgeGroup, Basis, ConsentGiver, ConsentPurpose, Level

SCHEMA = "hotline.report/1"
REPORT_PURPOSE = ConsentPurpose.REPORT


class GateRefused(Exception):
    """The request cannot be sent as asked; `code` says why (stable, for tests and audit)."""

    MESSAGES = {
        "exception_not_applicable": _("That exception does not apply to this case."),
        "exception_disallowed": _("The reporting policy does not allow that exception."),
        "reason_missing": _("A documented reason is required for a report without consent."),
        "approval_required": _("This report needs a supervisor's approval before it is sent."),
        "summary_identifies": _(
            "The redacted summary contains “%(found)s”, which identifies a person (a name, "
            "phone number, email, address, date of birth or code word). Remove it."
        ),
        "already_decided": _("This report has already been sent or declined."),
    }

    def __init__(self, code: str, found: str = "") -> None:
        super().__init__(code)
        self.code, self.found = code, found

    @property
    def message(self) -> str:
        text = str(self.MESSAGES.get(self.code, self.code))
        return text % {"found": self.found} if "%(found)s" in text else text


@dataclass(frozen=True)
class Decision:
    level: str
    basis: str
    needs_approval: bool
    consent_ids: tuple[int, ...] = ()
    # Why consent does not cover the recipient, per victim: codes like "victim:3:expired".
    gaps: tuple[str, ...] = field(default=())

    @property
    def full(self) -> bool:
        return self.level == Level.FULL


def _consent_gaps(
    victims: list[Victim],
    consents: list[Consent],
    recipient_id: uuid.UUID,
    policy: ReportingPolicy,
    at: dt.datetime,
) -> tuple[list[int], list[str]]:
    """The consents that cover the recipient for reporting, and what is missing."""
    usable: list[int] = []
    gaps: list[str] = []
    if not victims:
        return [], ["no_victims"]
    for victim in victims:
        needed = [ConsentGiver.VICTIM]
        if victim.needs_guardian_consent:
            needed.append(ConsentGiver.GUARDIAN)
        for giver in needed:
            mine = [c for c in consents if c.victim_id == victim.pk and c.given_by == giver]
            good = [c for c in mine if _covers(c, recipient_id, policy, at)]
            if good:
                usable.append(good[0].pk)
            else:
                gaps.append(f"victim:{victim.pk}:{giver}:{_why_not(mine, recipient_id, at)}")
    return usable, gaps


def _covers(
    consent: Consent, recipient_id: uuid.UUID, policy: ReportingPolicy, at: dt.datetime
) -> bool:
    if consent.revoked_at is not None and consent.revoked_at <= at:
        return False
    if not (consent.given_at <= at < consent.expires_at):
        return False
    if policy.max_consent_age_days is not None and consent.given_at < at - dt.timedelta(
        days=policy.max_consent_age_days
    ):
        return False
    if REPORT_PURPOSE not in (consent.purposes or []):
        return False
    return any(r.pk == recipient_id for r in consent.recipients.all())


def _why_not(consents: list[Consent], recipient_id: uuid.UUID, at: dt.datetime) -> str:
    if not consents:
        return "none"
    if all(c.revoked_at is not None for c in consents):
        return "revoked"
    if all(c.expires_at <= at for c in consents):
        return "expired"
    if not any(any(r.pk == recipient_id for r in c.recipients.all()) for c in consents):
        return "other_recipient"
    return "not_in_force"


def _exception_applies(case: Case, victims: list[Victim], exception: str) -> bool:
    if exception == Basis.MINOR:
        return any(v.age_group == AgeGroup.MINOR for v in victims)
    if exception == Basis.IMMINENT_DANGER:
        return case.imminent_danger
    return False


def _exception_allowed(policy: ReportingPolicy, exception: str) -> bool:
    if exception == Basis.MINOR:
        return policy.allow_minor_exception
    return policy.allow_imminent_danger_exception


def decide(
    case: Case,
    recipient_id: uuid.UUID,
    *,
    at: dt.datetime,
    exception: str = "",
    reason: str = "",
    deidentified_only: bool = False,
    policy: ReportingPolicy | None = None,
) -> Decision:
    """What a report of `case` to the recipient may carry at `at`. Raises GateRefused when an
    exception is invoked that does not apply, is not allowed, or has no documented reason."""
    policy = policy or ReportingPolicy.current()
    victims = list(case.victims.all())
    consents = list(Consent.objects.filter(case=case).prefetch_related("recipients").order_by("pk"))
    usable, gaps = _consent_gaps(victims, consents, recipient_id, policy, at)
    if deidentified_only:
        return Decision(Level.DEIDENTIFIED, Basis.DEIDENTIFIED, False, (), tuple(gaps))
    if not gaps:
        return Decision(
            Level.FULL, Basis.CONSENT, policy.require_approval_with_consent, tuple(usable)
        )
    if exception:
        if not _exception_applies(case, victims, exception):
            raise GateRefused("exception_not_applicable")
        if not _exception_allowed(policy, exception):
            raise GateRefused("exception_disallowed")
        if not reason.strip():
            raise GateRefused("reason_missing")
        return Decision(Level.FULL, exception, True, (), tuple(gaps))
    return Decision(Level.DEIDENTIFIED, Basis.DEIDENTIFIED, False, (), tuple(gaps))


# --- Identifiers and the redacted summary ----------------------------------------------------

EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
# Seven or more digits, whatever separates them: phone numbers, but also ID numbers.
DIGITS = re.compile(r"(?:\d[\s().+\-/]*){7,}")
# A full date (2010-05-03, 05/03/2010, 3.5.2010): dates of birth are identifying.
DATE = re.compile(r"\b\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b")


def identifiers(case: Case) -> list[str]:
    """Every identifying value the hotline holds about this case's people, for the check of a
    redacted summary and for tests."""
    from hotline.contacts.models import Contact

    values: list[str] = [case.address, case.postal_code]
    for victim in case.victims.all():
        for name in Victim.IDENTIFYING:
            if name == "description":
                continue
            value = getattr(victim, name)
            if isinstance(value, dt.date):
                values.extend([value.isoformat(), value.strftime("%m/%d/%Y")])
            elif value:
                values.append(str(value))
    values.extend(Consent.objects.filter(case=case).values_list("giver_name", flat=True))
    safe_times: list[str] = []
    for contact in Contact.objects.filter(case_link__case=case).only(
        "caller_name", "caller_phone", "caller_email", "code_word", "safe_times"
    ):
        safe_times.append(contact.safe_times.strip())
        values.extend(
            [contact.caller_name, contact.caller_phone, contact.caller_email, contact.code_word]
        )
    words: list[str] = []
    for value in values:
        value = (value or "").strip()
        if len(value) >= 3:
            words.append(value)
            # A full name also identifies by its parts ("Ana Ruiz" → "Ruiz"), but not by the
            # short or common words of an address ("12 Hidden Lane, Apt 4" → "Hidden").
            parts = re.findall(r"\w+", value)
            if len(parts) > 1:
                words.extend(
                    part
                    for part in parts
                    if len(part) >= 3 and not part.isdigit() and part.casefold() not in COMMON
                )
    # The safe times of a safe-contact plan ("weekdays after 9pm") identify as a whole only:
    # their words alone are everyday words.
    words.extend(value for value in safe_times if len(value) >= 3)
    return words


# Words of addresses and everyday speech that identify nobody on their own.
COMMON = frozenset(
    [
        "the",
        "and",
        "for",
        "with",
        "from",
        "near",
        "street",
        "road",
        "lane",
        "avenue",
        "drive",
        "court",
        "place",
        "boulevard",
        "highway",
        "apt",
        "apartment",
        "suite",
        "unit",
        "floor",
        "building",
        "north",
        "south",
        "east",
        "west",
        "motel",
        "hotel",
        "house",
        "home",
        "farm",
        "restaurant",
        "bar",
        "club",
        "city",
        "town",
        "county",
        "park",
    ]
)


def identifying_part(text: str, case: Case) -> str:
    """The first thing in `text` that identifies a person of the case (a value the hotline
    holds, matched as whole words in any case, or anything shaped like a phone number, an email
    or a date), or "" when there is none."""
    if not text.strip():
        return ""
    for shape in (EMAIL, DIGITS, DATE):
        if match := shape.search(text):
            return match.group().strip()
    for word in identifiers(case):
        if match := re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE):
            return match.group()
    return ""


# --- The payload -------------------------------------------------------------------------------


def canonical(payload: dict[str, Any]) -> str:
    """One text for one payload: sorted keys, no spaces, UTF-8. Its bytes are what is hashed,
    stored and shown."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _codes(values: Iterable[str]) -> list[str]:
    return sorted(str(v) for v in values)


def build_payload(
    case: Case, report: Report, decision: Decision, *, at: dt.datetime
) -> dict[str, Any]:
    """An allow-list: each field is named here, for one level or both. The safe-contact plan
    (the code words of the victims and of the case's contacts, the contacts' safe times) stays
    out unless the reporting policy shares it, and then only in a full report."""
    from hotline.contacts.models import Contact

    full = decision.full
    policy = ReportingPolicy.current()
    share_code_word = full and policy.share_code_word
    share_safe_times = full and policy.share_safe_times
    situation: dict[str, Any] = {
        "trafficking_type": case.trafficking_type,
        "typologies": _codes(case.typologies),
        "venue": case.venue,
        "means": _codes(case.means),
        "control_methods": _codes(case.control_methods),
        "recruitment": case.recruitment,
        "risk_factors": _codes(case.risk_factors),
        "imminent_danger": case.imminent_danger,
        "location": {"city": case.city, "state": case.state},
    }
    if full:
        situation["location"].update({"postal_code": case.postal_code, "address": case.address})
        situation["summary"] = case.summary
    elif report.redacted_summary.strip():
        situation["redacted_summary"] = report.redacted_summary.strip()
    if share_code_word or share_safe_times:
        plans = []
        for contact in (
            Contact.objects.filter(case_link__case=case)
            .only("code_word", "safe_times")
            .order_by("received_at", "pk")
        ):
            plan = {}
            if share_safe_times and contact.safe_times:
                plan["safe_times"] = contact.safe_times
            if share_code_word and contact.code_word:
                plan["code_word"] = contact.code_word
            if plan:
                plans.append(plan)
        if plans:
            situation["safe_contact"] = plans
    victims = []
    for number, victim in enumerate(case.victims.all().order_by("pk"), start=1):
        person: dict[str, Any] = {
            "number": number,
            "age_group": victim.age_group,
            "gender": victim.gender,
            "citizenship": victim.citizenship,
            "indicator_level": victim.indicator_level,
        }
        if full:
            person.update(
                {
                    "name": victim.name,
                    "alias": victim.alias,
                    "date_of_birth": victim.date_of_birth.isoformat()
                    if victim.date_of_birth
                    else "",
                    "phone": victim.phone,
                    "email": victim.email,
                    "address": victim.address,
                    "description": victim.description,
                    "emancipated": victim.emancipated,
                }
            )
        if share_code_word:
            person["code_word"] = victim.code_word
        victims.append(person)
    return {
        "schema": SCHEMA,
        "report": report.reference,
        "case": case.reference,
        "recipient": {"id": str(report.recipient_id), "name": report.recipient.name},
        "sent_at": at.astimezone(dt.UTC).isoformat(),
        "level": decision.level,
        "basis": decision.basis,
        "consents": list(decision.consent_ids),
        "situation": situation,
        "victims": victims,
    }
