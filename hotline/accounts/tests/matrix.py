from hotline.tests.matrix import Row, everyone, only, outcomes, staff


def a_specialist(personas: dict) -> dict:
    return {"user_id": personas["specialist"].pk}


ROWS = [
    Row("accounts:login", outcomes(302, anonymous=200)),
    Row("accounts:logout", outcomes(302), method="post"),
    Row("accounts:logout", staff(405)),
    # Signed-in staff have set their password and enrolled: these steps send them on.
    Row("accounts:first_password", staff(302)),
    Row("accounts:two_factor_setup", staff(302)),
    Row("accounts:two_factor_verify", staff(302)),
    Row("accounts:change_password", staff(200)),
    Row("accounts:invite", everyone(400), kwargs=lambda p: {"uidb64": "MQ", "token": "nope"}),
    Row("accounts:staff_list", only({"administrator"})),
    Row("accounts:staff_new", only({"administrator"})),
    Row("accounts:staff_edit", only({"administrator"}), kwargs=a_specialist),
    Row(
        "accounts:staff_reinvite",
        only({"administrator"}),
        method="post",
        kwargs=a_specialist,
    ),
    Row(
        "accounts:staff_reset_two_factor",
        only({"administrator"}, 302),
        method="post",
        kwargs=a_specialist,
    ),
]
