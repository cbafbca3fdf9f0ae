from hotline.tests.matrix import Row, everyone, only, staff


def an_audience(personas: dict) -> dict:
    from hotline.library.actions import ensure_vocabulary

    ensure_vocabulary()
    return {"slug": "first-responders"}


ROWS = [
    Row("healthz", everyone(200)),
    Row("site:home", everyone(200)),
    Row("site:audience", everyone(200), kwargs=an_audience),
    Row("site:about", everyone(200)),
    Row("site:safety", everyone(200)),
    # A liaison's console is their agency's portal.
    Row("site:console", staff(200) | {"liaison_a": 302, "liaison_b": 302}),
    Row("site:settings", only({"administrator"})),
    Row("site:search", only({"specialist", "supervisor", "program_staff"})),
    Row(
        "site:search",
        only({"specialist", "supervisor", "program_staff"}),
        method="post",
        data=lambda personas: {"q": "nothing like this anywhere"},
    ),
    Row("site:public_settings", only({"administrator"})),
]
