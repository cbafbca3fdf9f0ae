from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "hotline.accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hotline.accounts import signals  # noqa: F401
