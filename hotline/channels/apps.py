from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "hotline.channels"
    label = "channels"
    verbose_name = _("Channels")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hotline.channels.contact_timeline import text_entries
        from hotline.channels.thread import emails_section, texts_section
        from hotline.contacts import sections, timeline

        # A contact's page shows its text conversation, and its timeline the texts, without
        # contacts importing channels.
        sections.register(texts_section)
        sections.register(emails_section)
        timeline.register(text_entries)
