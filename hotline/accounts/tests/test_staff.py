import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import enrol
from hotline.accounts.models import Role, User
from hotline.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


def new_staff(client: Client, **fields: str):
    data = {
        "username": "casey",
        "first_name": "",
        "last_name": "",
        "email": "",
        "role": "specialist",
        "agency": "",
    }
    data.update(fields)
    return client.post(reverse("accounts:staff_new"), data)


@pytest.mark.django_db(transaction=True)
def test_administrator_creates_an_account_and_the_invite_link_sets_its_password(
    client_for, personas
) -> None:
    admin = client_for("administrator")
    response = new_staff(admin, email="casey@example.org")
    assert response.status_code == 200
    link = response.context["link"]
    user = User.objects.get(username="casey")
    assert user.role == Role.SPECIALIST and not user.has_usable_password()
    assert AuditEvent.objects.filter(action="staff.create", object_id=str(user.pk)).exists()

    # The invite goes out through the task queue; run the worker once.
    call_command("db_worker", batch=True, verbosity=0)
    # The email's link is made at send time: another token, for the same account and as good.
    (message,) = mail.outbox
    assert link.rsplit("/", 3)[1] in message.body and "/accounts/invite/" in message.body

    path = link.removeprefix("http://127.0.0.1:8000")
    visitor = Client()
    assert visitor.get(path).status_code == 200
    password = "casey's own long passphrase"
    response = visitor.post(path, {"new_password1": password, "new_password2": password})
    assert response["Location"] == reverse("accounts:login")
    user.refresh_from_db()
    assert user.check_password(password)
    # The link works once.
    assert visitor.get(path).status_code == 400


def test_liaison_needs_an_agency_and_bad_input_changes_nothing(client_for, personas) -> None:
    admin = client_for("administrator")
    before = AuditEvent.objects.count()
    response = new_staff(admin, role="liaison")
    assert response.status_code == 200 and "must belong to an agency" in response.content.decode()
    assert not User.objects.filter(username="casey").exists()
    assert AuditEvent.objects.count() == before


def test_role_change_is_audited(client_for, personas) -> None:
    target = personas["specialist"]
    response = client_for("administrator").post(
        reverse("accounts:staff_edit", args=[target.pk]),
        {"role": "supervisor", "agency": "", "is_active": "on"},
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == Role.SUPERVISOR
    event = AuditEvent.objects.get(action="staff.role_change")
    assert event.object_id == str(target.pk)
    assert event.actor_id == personas["administrator"].pk
    assert event.detail == {"from": "specialist", "to": "supervisor"}


def test_deactivation_ends_access_and_admin_cannot_deactivate_self(client_for, personas) -> None:
    admin = client_for("administrator")
    specialist = client_for("specialist")
    target = personas["specialist"]
    admin.post(
        reverse("accounts:staff_edit", args=[target.pk]), {"role": "specialist", "agency": ""}
    )
    assert specialist.get(reverse("site:console")).status_code == 302
    me = personas["administrator"]
    response = admin.post(
        reverse("accounts:staff_edit", args=[me.pk]), {"role": "administrator", "agency": ""}
    )
    assert response.status_code == 200
    me.refresh_from_db()
    assert me.is_active


def test_reset_two_factor_makes_the_user_enrol_again(client_for, personas) -> None:
    specialist = client_for("specialist")
    target = personas["specialist"]
    client_for("administrator").post(reverse("accounts:staff_reset_two_factor", args=[target.pk]))
    assert not TOTPDevice.objects.filter(user=target).exists()
    assert specialist.get(reverse("site:console"))["Location"] == reverse(
        "accounts:two_factor_setup"
    )
    assert AuditEvent.objects.filter(action="staff.two_factor_reset").count() == 1


def test_new_invite_link_ends_the_old_password(client_for, personas) -> None:
    target = personas["curator"]
    response = client_for("administrator").post(
        reverse("accounts:staff_reinvite", args=[target.pk])
    )
    assert response.status_code == 200 and "/accounts/invite/" in response.context["link"]
    target.refresh_from_db()
    assert not target.has_usable_password()


@pytest.mark.parametrize("uidb64", ["MQ", "!!", "bm9wZQ", "OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"])
def test_an_invite_link_with_a_wrong_user_or_token_is_refused(client, personas, uidb64) -> None:
    """A wrong token, a uid that is not base64, not a number, or beyond any id: all 400, and
    nothing changes."""
    before = list(User.objects.order_by("pk").values_list("pk", "password"))
    data = {"new_password1": "a long new passphrase", "new_password2": "a long new passphrase"}
    response = client.post(reverse("accounts:invite", args=[uidb64, "nope"]), data)
    assert response.status_code == 400
    assert list(User.objects.order_by("pk").values_list("pk", "password")) == before


def test_demo_setup_creates_one_account_per_role_and_is_repeatable(capsys) -> None:
    call_command("demo_setup")
    first = capsys.readouterr().out
    assert User.objects.count() == len(Role)
    assert User.objects.get(role=Role.LIAISON).agency is not None
    for user in User.objects.all():
        assert user.must_change_password
        assert user.username in first
    enrol(User.objects.get(username="demo-specialist"))
    User.objects.filter(username="demo-specialist").update(must_change_password=False)
    call_command("demo_setup")
    second = capsys.readouterr().out
    assert User.objects.count() == len(Role)
    assert "already set by its user" in second


def test_createsuperuser_makes_an_administrator_not_a_superuser() -> None:
    user = User.objects.create_superuser("root", "root@example.org", "a long enough password")
    assert user.role == Role.ADMINISTRATOR and not user.is_superuser and user.is_staff
