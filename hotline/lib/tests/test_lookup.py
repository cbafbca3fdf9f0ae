"""Keyed look-up hashes: normalised phone numbers and email addresses, HMAC under a key of
their own."""

import pytest

from hotline.lib import lookup


@pytest.mark.parametrize(
    "typed", ["(202) 555-0123", "202.555.0123", "+1 202 555 0123", "1-202-555-0123"]
)
def test_phone_spellings_normalise_to_one_e164_number(typed) -> None:
    assert lookup.normalize_phone(typed) == "+12025550123"


def test_a_number_with_another_country_code_keeps_it(settings) -> None:
    assert lookup.normalize_phone("+52 55 1234 5678") == "+525512345678"
    settings.HOTLINE_PHONE_REGION = "MX"
    assert lookup.normalize_phone("55 1234 5678") == "+525512345678"


def test_what_is_no_number_still_finds_itself() -> None:
    assert lookup.normalize_phone("12") == "12"
    assert lookup.phone_hash("ext. 12") == lookup.phone_hash("12")
    assert lookup.normalize_phone("  ") == "" and lookup.phone_hash("") == ""


def test_email_is_stripped_and_lower_cased() -> None:
    assert lookup.email_hash("  Ana.Ruiz@Example.ORG ") == lookup.email_hash("ana.ruiz@example.org")
    assert lookup.email_hash("") == ""


def test_hash_is_keyed_and_kinds_are_apart(settings) -> None:
    first = lookup.phone_hash("202-555-0123")
    assert len(first) == 64 and "5550123" not in first
    settings.LOOKUP_HASH_KEY = "another-key-of-at-least-thirty-two-characters"
    assert lookup.phone_hash("202-555-0123") != first
    assert lookup.lookup_hash("phone", "x@y.z") != lookup.lookup_hash("email", "x@y.z")


@pytest.mark.parametrize(
    ("text", "phone", "email"),
    [
        ("202-555-0123", True, False),
        ("+1 (202) 555 0123", True, False),
        ("HT-2026-000123", False, False),
        ("ana@example.org", False, True),
        ("2026", False, False),
        ("the motel on route 9", False, False),
    ],
)
def test_what_looks_like_a_phone_or_an_email(text, phone, email) -> None:
    assert lookup.looks_like_phone(text) is phone
    assert lookup.looks_like_email(text) is email
