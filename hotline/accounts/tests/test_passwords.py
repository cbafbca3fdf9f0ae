import pytest
from django.contrib.auth.hashers import check_password, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from hotline.accounts.models import Role, User


def test_passwords_are_hashed_with_argon2(settings) -> None:
    from hotline import settings as project_settings

    # The suite swaps in a fast hasher (conftest.py); the project's settings name Argon2 first.
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    encoded = make_password("a long enough passphrase")
    assert encoded.startswith("argon2$argon2id$")
    assert check_password("a long enough passphrase", encoded)


@pytest.mark.parametrize(
    "password,message",
    [
        ("short pass", "at least 12 characters"),
        ("password1234", "too common"),
        ("123456789012345", "entirely numeric"),
        ("maria.lopez.hotline", "too similar"),
    ],
)
def test_weak_passwords_are_refused(password: str, message: str) -> None:
    user = User(username="maria.lopez.hotline", role=Role.SPECIALIST)
    with pytest.raises(ValidationError) as error:
        validate_password(password, user)
    assert message in " ".join(error.value.messages)


def test_a_long_uncommon_password_is_accepted() -> None:
    validate_password(
        "quiet river under seven bridges", User(username="maria", role=Role.SPECIALIST)
    )
