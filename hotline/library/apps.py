from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "hotline.library"
    label = "library"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The filter lists follow changes made in any process, also one that never shows them:
        # the shared value connects its signals on import (lib/cache.py).
        import hotline.library.forms
        import hotline.library.signals  # noqa: F401
