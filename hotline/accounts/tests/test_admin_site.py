import pytest
from django.contrib import admin
from django.urls import reverse

from conftest import PERSONAS
from hotline.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def admin_urls() -> list[str]:
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        opts = model._meta
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    return urls


@pytest.mark.parametrize("persona", PERSONAS)
def test_django_admin_is_for_administrators_only(persona: str, client_for) -> None:
    client = client_for(persona)
    for url in admin_urls():
        response = client.get(url)
        if persona == "administrator":
            assert response.status_code == 200, url
        elif persona == "anonymous":
            assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]
        else:
            assert response.status_code == 403, (url, persona)


def test_django_admin_needs_two_factor(personas) -> None:
    from django.test import Client

    client = Client()
    client.force_login(personas["administrator"])  # password only, no second factor
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "two-factor" in response["Location"]


def test_role_change_in_django_admin_is_audited(client_for, personas) -> None:
    target = personas["curator"]
    response = client_for("administrator").post(
        reverse("admin:accounts_user_change", args=[target.pk]),
        {
            "first_name": "",
            "last_name": "",
            "email": "",
            "role": "supervisor",
            "agency": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="staff.role_change")
    assert event.detail == {"from": "curator", "to": "supervisor"}


def test_audit_events_are_read_only_in_admin(client_for, personas) -> None:
    client = client_for("administrator")
    event = AuditEvent.objects.first()
    assert event is not None
    response = client.post(
        reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_administrators_admin_index_lists_every_app_and_model_they_keep(client_for) -> None:
    page = client_for("administrator").get(reverse("admin:index"))
    html = page.content.decode()
    assert "permission to view or edit anything" not in html
    for model in admin.site._registry:
        opts = model._meta
        assert reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist") in html, opts.label
