"""The authorization matrix: every URL by every persona, with the expected outcome.

Each app lists its URLs in `hotline/<app>/tests/matrix.py` as `ROWS`; the test in
`test_authorization_matrix.py` requests each one as each persona, and a meta-test fails when a
named URL exists that no row lists.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conftest import PERSONAS

LOGIN = "login"  # a redirect to the sign-in page
Outcome = int | str
Personas = dict[str, Any]


def outcomes(
    default: Outcome, anonymous: Outcome = LOGIN, **persona: Outcome
) -> dict[str, Outcome]:
    """The expected outcome for every persona: `default` for staff personas not named."""
    unknown = set(persona) - set(PERSONAS)
    assert not unknown, f"unknown personas {unknown}"
    table = {name: default for name in PERSONAS}
    table["anonymous"] = anonymous
    table.update(persona)
    return table


def everyone(status: Outcome) -> dict[str, Outcome]:
    return outcomes(status, anonymous=status)


def staff(status: Outcome = 200) -> dict[str, Outcome]:
    return outcomes(status)


def only(roles: set[str], status: Outcome = 200, others: Outcome = 403) -> dict[str, Outcome]:
    return outcomes(others, **dict.fromkeys(roles, status))


@dataclass(frozen=True)
class Row:
    name: str
    expect: dict[str, Outcome]
    method: str = "get"
    kwargs: Callable[[Personas], dict[str, Any]] = field(default=lambda personas: {})
    data: Callable[[Personas], dict[str, Any]] = field(default=lambda personas: {})

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.name}"
