from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "hotline.cases"
    label = "cases"
    verbose_name = _("Cases")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The full-text index follows every save and delete (signals connected on import).
        import hotline.cases.search  # noqa: F401
        from hotline.cases.contact_timeline import case_entries
        from hotline.cases.history import cases_reached_alike
        from hotline.contacts import history, timeline

        # A contact's timeline and caller history list cases too, without contacts importing
        # cases.
        timeline.register(case_entries)
        history.register(cases_reached_alike)
