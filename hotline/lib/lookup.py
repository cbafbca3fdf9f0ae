"""Keyed hashes for looking people up by phone number or email address.

A personal field that someone must find again (the caller who rings back, the sender of a text)
keeps beside it the HMAC-SHA-256 of its normalised value under LOOKUP_HASH_KEY, indexed. A look-up
normalises what was typed the same way and compares hashes, so that it keeps working once the
field itself is encrypted, and the index holds nothing that can be reversed without the key (an
unkeyed hash of a phone number is reversed by trying every number).

Normalising: phone numbers to E.164 with `phonenumbers` (HOTLINE_PHONE_REGION for numbers
written without a country code); email addresses stripped and lower-cased.
"""

import hashlib
import hmac
import re
from collections.abc import Iterable

import phonenumbers
from django.conf import settings

# What a phone number may be written with: digits, spaces, dots, dashes, brackets, a leading +.
PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]{7,30}$")
DIGITS = re.compile(r"\D")


def normalize_phone(value: str, region: str | None = None) -> str:
    """E.164 ("+12025550123") when the number is possible; otherwise its digits (with the + if
    it had one), so that the same spelling still finds itself; "" when there is nothing."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, region or settings.HOTLINE_PHONE_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_possible_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    digits = DIGITS.sub("", value)
    if not digits:
        return ""
    return f"+{digits}" if value.startswith("+") else digits


def normalize_email(value: str) -> str:
    return (value or "").strip().lower()


def looks_like_phone(text: str) -> bool:
    """Typed as a phone number: only phone characters, and at least seven digits."""
    text = text.strip()
    return bool(PHONE_LIKE.match(text)) and len(DIGITS.sub("", text)) >= 7


def looks_like_email(text: str) -> bool:
    text = text.strip()
    local, at, domain = text.partition("@")
    return bool(at and local and domain) and not any(c.isspace() for c in text)


def lookup_hash(kind: str, normalized: str) -> str:
    """The keyed hash of a normalised value ("" for no value). `kind` keeps a phone number and
    an email address that happen to be the same text apart."""
    if not normalized:
        return ""
    message = f"{kind}:{normalized}".encode()
    return hmac.new(settings.LOOKUP_HASH_KEY.encode(), message, hashlib.sha256).hexdigest()


def phone_hash(value: str) -> str:
    return lookup_hash("phone", normalize_phone(value))


def email_hash(value: str) -> str:
    return lookup_hash("email", normalize_email(value))


def with_hash_fields(update_fields: Iterable[str] | None, pairs: dict[str, str]) -> set[str] | None:
    """`update_fields` of a save() with the hash fields of the personal fields it names
    (`pairs`: field → its hash field); unchanged when it is None (every field is saved)."""
    if update_fields is None:
        return None
    fields = set(update_fields)
    fields |= {pairs[name] for name in fields & set(pairs)}
    return fields
