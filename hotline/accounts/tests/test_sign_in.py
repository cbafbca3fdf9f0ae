import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from conftest import PASSWORD, enrol, make_user
from hotline.accounts.models import Role, User
from hotline.audit.actions import verify
from hotline.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")
CONSOLE = reverse("site:console")


def actions_for(user: User) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="accounts.user", object_id=str(user.pk)).values_list(
            "action", flat=True
        )
    )


def code_for(device: TOTPDevice) -> str:
    return str(totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)).zfill(6)


def sign_in(client: Client, username: str, password: str = PASSWORD):
    return client.post(LOGIN, {"username": username, "password": password})


def test_first_sign_in_asks_for_a_new_password_then_guides_two_factor_enrolment() -> None:
    user = make_user(Role.SPECIALIST, "newcomer")
    user.must_change_password = True
    user.save()
    client = Client()

    response = sign_in(client, "newcomer")
    assert response.status_code == 302 and response["Location"] == CONSOLE
    assert client.get(CONSOLE)["Location"] == reverse("accounts:first_password")

    weak = client.post(
        reverse("accounts:first_password"),
        {"new_password1": "password123", "new_password2": "password123"},
    )
    assert weak.status_code == 200 and "too short" in weak.content.decode()
    new_password = "a much longer passphrase 42"
    response = client.post(
        reverse("accounts:first_password"),
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert response["Location"] == CONSOLE
    user.refresh_from_db()
    assert user.check_password(new_password) and not user.must_change_password

    # Still no console: enrolment first.
    assert client.get(CONSOLE)["Location"] == reverse("accounts:two_factor_setup")
    page = client.get(reverse("accounts:two_factor_setup"))
    assert b"<svg" in page.content
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    wrong = client.post(reverse("accounts:two_factor_setup"), {"token": "000000"})
    assert wrong.status_code == 200 and not TOTPDevice.objects.get(pk=device.pk).confirmed
    TOTPDevice.objects.get(pk=device.pk).throttle_reset()  # django-otp backs off after a miss
    done = client.post(reverse("accounts:two_factor_setup"), {"token": code_for(device)})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10 and all(code in done.content.decode() for code in codes)
    assert StaticToken.objects.filter(device__user=user).count() == 10

    assert client.get(CONSOLE).status_code == 200
    assert actions_for(user) == [
        "auth.login",
        "auth.password_set",
        "auth.two_factor_enrol",
    ]
    assert verify().ok


def test_enrolled_user_must_pass_two_factor_and_a_recovery_code_works_once() -> None:
    user = make_user(Role.SUPERVISOR, "sam")
    device = enrol(user)
    client = Client()
    sign_in(client, "sam")
    response = client.get(CONSOLE)
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))

    assert (
        client.post(reverse("accounts:two_factor_verify"), {"token": "123456"}).status_code == 200
    )
    assert client.get(CONSOLE).status_code == 302
    device.refresh_from_db()
    device.throttle_reset()  # django-otp backs off after a miss

    response = client.post(
        reverse("accounts:two_factor_verify"), {"token": code_for(device), "next": CONSOLE}
    )
    assert response["Location"] == CONSOLE
    assert client.get(CONSOLE).status_code == 200
    assert actions_for(user) == ["auth.login", "auth.two_factor_fail", "auth.two_factor_pass"]


def test_recovery_code_is_accepted_once() -> None:
    from django_otp.plugins.otp_static.models import StaticDevice

    user = make_user(Role.SPECIALIST, "rita")
    enrol(user)
    static = StaticDevice.objects.create(user=user, name="recovery codes")
    static.token_set.create(token="recover1")
    for expected in [CONSOLE, None]:
        client = Client()
        sign_in(client, "rita")
        response = client.post(
            reverse("accounts:two_factor_verify"), {"token": "recover1", "next": CONSOLE}
        )
        if expected:
            assert response["Location"] == expected
        else:
            assert response.status_code == 200  # used up
        static.refresh_from_db()
        static.throttle_reset()


def test_wrong_password_is_refused_and_audited_without_the_name_typed() -> None:
    user = make_user(Role.SPECIALIST, "alex")
    client = Client()
    response = sign_in(client, "alex", "wrong password")
    assert response.status_code == 200
    assert "do not match" in response.content.decode()
    assert actions_for(user) == ["auth.login_failed"]
    unknown = sign_in(client, "nobody-by-this-name", "wrong")
    assert unknown.status_code == 200
    event = AuditEvent.objects.order_by("-seq").first()
    assert event is not None and event.action == "auth.login_failed" and event.object_id == ""
    assert "nobody-by-this-name" not in str(event.canonical())


def test_sign_out_ends_the_session_and_is_audited() -> None:
    user = make_user(Role.SPECIALIST, "sol")
    enrol(user)
    from conftest import signed_in_client

    client = signed_in_client(user)
    assert client.get(CONSOLE).status_code == 200
    assert client.post(reverse("accounts:logout"))["Location"] == LOGIN
    assert client.get(CONSOLE).status_code == 302
    assert actions_for(user)[-1] == "auth.logout"


def test_next_must_stay_on_this_site() -> None:
    make_user(Role.SPECIALIST, "nia")
    client = Client()
    response = client.post(
        LOGIN, {"username": "nia", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert response["Location"] == CONSOLE


def test_inactive_account_cannot_sign_in() -> None:
    user = make_user(Role.SPECIALIST, "gone")
    user.is_active = False
    user.save()
    assert sign_in(Client(), "gone").status_code == 200


def test_signed_in_session_is_not_usable_after_deactivation() -> None:
    from conftest import signed_in_client

    user = make_user(Role.SPECIALIST, "leaver")
    client = signed_in_client(user)
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert client.get(CONSOLE).status_code == 302
