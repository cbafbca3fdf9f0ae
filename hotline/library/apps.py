from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "hotline.library"
    label = "library"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import hotline.library.signals  # noqa: F401
