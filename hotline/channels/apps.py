from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    name = "hotline.channels"
    label = "channels"
    verbose_name = _("Channels")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from hotline.channels.contact_timeline import call_entries, text_entries
        from hotline.channels.phone import abandoned_section, calls_section
        from hotline.channels.thread import emails_section, texts_section
        from hotline.contacts import sections, timeline

        # A contact's page shows its text conversation and its calls, and its timeline the texts
        # and calls; the supervisor's view the abandoned calls; without contacts importing
        # channels.
        sections.register(texts_section)
        sections.register(emails_section)
        sections.register(calls_section)
        sections.register_supervisor(abandoned_section)
        timeline.register(text_entries)
        timeline.register(call_entries)
