"""What the public site shows that differs between deployments: the numbers of the emergency
banner and the quick-exit address. Policies are data: an administrator changes them."""

import re
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

# Defaults in English and marked for translation: a stored value equal to one of them is shown
# translated; a deployment's own wording is shown as written.
DEFAULT_COMPLAINT_LINE_NAME = gettext_noop("DOJ worker exploitation complaint line")
DEFAULT_COMPLAINT_LINE_HOURS = gettext_noop("weekdays 9 AM to 5 PM Eastern")


class PublicSettings(models.Model):
    """One row (pk=1), created with the seeds' values on first use."""

    emergency_number = models.CharField(_("emergency number"), max_length=20, default="911")
    hotline_number = models.CharField(_("hotline number"), max_length=30, default="1-888-3737-888")
    hotline_email = models.EmailField(
        _("hotline email"), blank=True, default="NHTRC@PolarisProject.org"
    )
    text_number = models.CharField(
        _("text number"),
        max_length=20,
        blank=True,
        default="233733",
        help_text=_("Short code for text messages; empty if the hotline takes none."),
    )
    text_keywords = models.CharField(
        _("text keywords"),
        max_length=60,
        blank=True,
        default="HELP, INFO",
        help_text=_("Words to text, separated by commas."),
    )
    complaint_line_number = models.CharField(
        _("complaint line number"), max_length=30, blank=True, default="1-888-428-7581"
    )
    complaint_line_name = models.CharField(
        _("complaint line name"), max_length=200, blank=True, default=DEFAULT_COMPLAINT_LINE_NAME
    )
    complaint_line_hours = models.CharField(
        _("complaint line hours"),
        max_length=100,
        blank=True,
        default=DEFAULT_COMPLAINT_LINE_HOURS,
    )
    quick_exit_url = models.URLField(
        _("quick-exit address"),
        default="https://www.google.com/",
        help_text=_("A neutral site the quick-exit button leaves for at once."),
    )

    class Meta:
        verbose_name = _("public site settings")
        verbose_name_plural = _("public site settings")

    def __str__(self) -> str:
        return str(_("Public site settings"))

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> "PublicSettings":
        found, _ = cls.objects.get_or_create(pk=1)
        return found

    @staticmethod
    def tel(number: str) -> str:
        """The tel: address of a number as displayed ("1-888-3737-888" → "+18883737888")."""
        digits = re.sub(r"\D", "", number)
        international = number.strip().startswith("+") or (
            len(digits) == 11 and digits.startswith("1")
        )
        return f"+{digits}" if international else digits

    @property
    def keywords(self) -> list[str]:
        return [word.strip() for word in self.text_keywords.split(",") if word.strip()]
