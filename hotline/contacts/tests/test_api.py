"""The intake API: tokens (hash only), scopes by role, idempotency, errors as JSON, audit."""

import datetime as dt

import pytest
from django.test import Client

from hotline.accounts.models import User
from hotline.audit.models import AuditEvent
from hotline.contacts.actions import receive
from hotline.contacts.api import new_token
from hotline.contacts.models import ApiToken, Contact, IdempotencyKey, Scope, token_hash

pytestmark = pytest.mark.django_db
URL = "/api/contacts/"
BODY = {"channel": "api", "request_types": ["tip"], "urgency": "urgent", "narrative": "x"}


def token_for(user: User, scopes: list[str] | None = None) -> str:
    token = new_token()
    ApiToken.objects.create(
        user=user,
        name="test",
        prefix=token[:12],
        hash=token_hash(token),
        scopes=scopes if scopes is not None else [s.value for s in Scope],
    )
    return token


def api(token: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {token}"})


def post(client: Client, body: dict, key: str | None = "key-1"):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(URL, body, content_type="application/json", headers=headers)


def test_only_a_hash_of_the_token_is_stored(personas) -> None:
    token = token_for(personas["specialist"])
    stored = ApiToken.objects.get()
    assert stored.hash == token_hash(token) and token not in repr(stored.__dict__)


def test_create_returns_201_with_reference_and_deadline(personas) -> None:
    response = post(api(token_for(personas["specialist"])), BODY)
    assert response.status_code == 201, response.content
    body = response.json()
    contact = Contact.objects.get()
    assert body["reference"] == contact.reference
    assert body["resolution_due"] is not None
    assert contact.created_by == personas["specialist"]
    assert AuditEvent.objects.filter(action="contact.create").count() == 1


def test_replay_returns_the_first_response_and_creates_nothing_more(personas) -> None:
    client = api(token_for(personas["specialist"]))
    first = post(client, BODY)
    second = post(client, BODY)
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Contact.objects.count() == 1


def test_same_key_with_another_body_is_422(personas) -> None:
    client = api(token_for(personas["specialist"]))
    post(client, BODY)
    response = post(client, {**BODY, "narrative": "different"})
    assert response.status_code == 422
    assert "different body" in response.json()["detail"]
    assert Contact.objects.count() == 1


def test_post_without_idempotency_key_is_400_json(personas) -> None:
    response = post(api(token_for(personas["specialist"])), BODY, key=None)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["detail"]
    assert not Contact.objects.exists()


def test_invalid_body_is_422_json(personas) -> None:
    response = post(api(token_for(personas["specialist"])), {"request_types": ["nonsense"]})
    assert response.status_code == 422
    assert response.json()["detail"]


def test_no_or_bad_token_is_401(personas) -> None:
    assert Client().get(URL).status_code == 401
    assert api("htk_wrong").get(URL).status_code == 401


def test_a_revoked_token_is_refused(personas) -> None:
    token = token_for(personas["specialist"])
    ApiToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    assert api(token).get(URL).status_code == 401


def test_a_deactivated_accounts_token_is_refused(personas) -> None:
    token = token_for(personas["specialist"])
    User.objects.filter(username="specialist").update(is_active=False)
    assert api(token).get(URL).status_code == 401


def test_a_tokens_last_use_is_written_at_most_once_a_minute(personas) -> None:
    token = token_for(personas["specialist"])
    client = api(token)
    assert client.get(URL).status_code == 200
    first = ApiToken.objects.get().last_used_at
    assert first is not None
    assert client.get(URL).status_code == 200
    assert ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=first - dt.timedelta(minutes=2))
    assert client.get(URL).status_code == 200
    latest = ApiToken.objects.get().last_used_at
    assert latest is not None and latest > first


@pytest.mark.parametrize("persona", ["liaison_a", "curator", "administrator"])
def test_roles_that_see_no_contacts_are_refused_even_with_every_scope(personas, persona) -> None:
    receive(Contact(channel="phone", narrative="secret"))
    client = api(token_for(personas[persona]))
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{Contact.objects.get().pk}").status_code == 403
    assert post(client, BODY).status_code == 403
    assert Contact.objects.count() == 1


def test_scopes_limit_a_token(personas) -> None:
    client = api(token_for(personas["specialist"], [Scope.CREATE]))
    assert post(client, BODY).status_code == 201
    response = client.get(URL)
    assert response.status_code == 403
    assert "contacts:read" in response.json()["detail"]


def test_list_and_read_write_audit_events(personas) -> None:
    item = receive(Contact(channel="phone", narrative="Narrative (fictional)"))
    client = api(token_for(personas["program_staff"]))
    listing = client.get(URL).json()
    assert listing["count"] == 1
    assert "narrative" not in listing["results"][0]
    detail = client.get(f"{URL}{item.pk}").json()
    assert detail["narrative"] == "Narrative (fictional)"
    event = AuditEvent.objects.get(action="contact.view")
    assert event.detail == {"via": "api"} and event.actor_id == personas["program_staff"].pk
    assert AuditEvent.objects.filter(action="contact.list").exists()


def test_update_status(personas) -> None:
    item = receive(Contact(channel="phone"))
    client = api(token_for(personas["specialist"]))
    response = client.patch(
        f"{URL}{item.pk}", {"status": "closed"}, content_type="application/json"
    )
    assert response.status_code == 200
    item.refresh_from_db()
    assert item.status == "closed" and item.closed_at is not None
    # Closed: only a supervisor may change it now.
    again = client.patch(f"{URL}{item.pk}", {"status": "new"}, content_type="application/json")
    assert again.status_code == 403


def test_openapi_lists_the_intake_operations() -> None:
    spec = Client().get("/api/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert "/api/contacts/" in spec["paths"]
    assert {"get", "post"} <= set(spec["paths"]["/api/contacts/"])


@pytest.mark.django_db(transaction=True)
def test_a_retry_sent_while_the_first_is_in_flight_waits_and_gets_its_response(
    personas, monkeypatch
) -> None:
    import threading
    import time

    from django.db import connections

    from hotline.contacts import actions

    token = token_for(personas["specialist"])
    real_receive = actions.receive
    first_inside = threading.Event()

    def slow_receive(*args, **kwargs):
        first_inside.set()
        time.sleep(1)  # the first request holds its transaction open
        return real_receive(*args, **kwargs)

    monkeypatch.setattr(actions, "receive", slow_receive)
    answers = {}

    def send(name: str) -> None:
        try:
            answers[name] = post(api(token), BODY)
        finally:
            connections.close_all()

    first = threading.Thread(target=send, args=("first",))
    first.start()
    assert first_inside.wait(10)
    second = threading.Thread(target=send, args=("retry",))
    second.start()
    first.join()
    second.join()
    assert answers["first"].status_code == answers["retry"].status_code == 201
    assert answers["retry"].json() == answers["first"].json()
    assert answers["retry"]["Idempotent-Replayed"] == "true"
    assert Contact.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_request_that_failed_leaves_its_key_to_the_retry(personas, monkeypatch) -> None:
    from hotline.contacts import actions

    token = token_for(personas["specialist"])
    real_receive = actions.receive

    def failing(*args, **kwargs):
        raise RuntimeError("the process died here")

    monkeypatch.setattr(actions, "receive", failing)
    with pytest.raises(RuntimeError):
        post(api(token), BODY)
    assert not Contact.objects.exists() and not IdempotencyKey.objects.exists()
    monkeypatch.setattr(actions, "receive", real_receive)
    response = post(api(token), BODY)
    assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Contact.objects.count() == 1
