import pytest
from django.test import Client
from django.urls import reverse


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/es/", "/accounts/sign-in/", "/healthz"])
def test_every_response_carries_the_security_headers(url: str) -> None:
    response = Client().get(url)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (
        response["Cache-Control"].startswith("no-store") or "no-cache" in response["Cache-Control"]
    )
    assert len(response["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_staff_pages_are_never_stored(client_for) -> None:
    response = client_for("specialist").get(reverse("site:console"))
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_public_pages_set_no_cookie() -> None:
    # A cookie left on a shared phone can tell someone that this site was visited.
    for url in ["/", "/es/"]:
        assert not Client().get(url).cookies, url
