from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HoursConfig(AppConfig):
    name = "hotline.hours"
    label = "hours"
    verbose_name = _("Service hours")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Every process must follow changes to the policies, also one that never reads them
        # (Django admin in a web process): the shared value connects its signals on import.
        import hotline.hours.policy  # noqa: F401
