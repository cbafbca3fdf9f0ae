from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from hotline.audit.models import AuditEvent
from hotline.library import search
from hotline.library.actions import ensure_vocabulary
from hotline.library.models import Audience, Resource, Topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def vocabulary() -> None:
    ensure_vocabulary()


def form_data(**overrides: object) -> dict:
    data: dict[str, object] = {
        "title": "Farmworker rights card",
        "slug": "farmworker-rights-card",
        "summary": "Pocket card on the rights of seasonal workers.",
        "publisher": "",
        "resource_type": "card",
        "format": "print",
        "audiences": [Audience.objects.get(code="victims").pk],
        "topics": [Topic.objects.get(code="labor_trafficking").pk],
        "languages": [],
        "url": "",
        "published_on": "",
        "is_published": "on",
    }
    data.update(overrides)
    return data


def test_curator_adds_a_resource_that_is_audited_and_searchable(client_for, vocabulary) -> None:
    response = client_for("curator").post(reverse("library:manage_new"), form_data())
    assert response.status_code == 302
    resource = Resource.objects.get(slug="farmworker-rights-card")
    assert list(resource.topics.values_list("code", flat=True)) == ["labor_trafficking"]
    event = AuditEvent.objects.get(action="library.resource_create")
    assert event.object_id == str(resource.pk)
    assert "Farmworker" not in str(event.detail)
    assert search.search("farmworker") == [resource.pk]
    assert search.search("labor") == [resource.pk]


def test_curator_edits_and_deletes_a_resource(client_for, vocabulary) -> None:
    client = client_for("curator")
    client.post(reverse("library:manage_new"), form_data())
    resource = Resource.objects.get()
    response = client.post(
        reverse("library:manage_edit", kwargs={"resource_id": resource.pk}),
        form_data(title="Orchard workers' rights card", topics=[]),
    )
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.title == "Orchard workers' rights card"
    assert search.search("labor") == []
    assert search.search("orchard") == [resource.pk]
    update = AuditEvent.objects.get(action="library.resource_update")
    assert set(update.detail["fields"].split(",")) == {"title", "topics"}

    response = client.post(reverse("library:manage_delete", kwargs={"resource_id": resource.pk}))
    assert response.status_code == 302
    assert not Resource.objects.exists()
    assert search.search("orchard") == []
    assert AuditEvent.objects.filter(action="library.resource_delete").count() == 1


def test_invalid_resource_changes_nothing(client_for, vocabulary) -> None:
    response = client_for("curator").post(
        reverse("library:manage_new"), form_data(audiences=[], resource_type="nonsense")
    )
    assert response.status_code == 200
    assert not Resource.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="library.").exists()


def test_an_uploaded_file_is_served_as_a_download(
    client_for, vocabulary, settings, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("card.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    client_for("curator").post(reverse("library:manage_new"), {**form_data(), "file": upload})
    response = Client().get(reverse("library:file", kwargs={"slug": "farmworker-rights-card"}))
    assert response.status_code == 200
    assert response.getvalue() == b"%PDF-1.4 test"
    assert response["Content-Disposition"].startswith("attachment")
