from typing import Any

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from rules.permissions import permissions as rules_permissions


class Role(models.TextChoices):
    SPECIALIST = "specialist", _("Call specialist")
    SUPERVISOR = "supervisor", _("Supervisor")
    PROGRAM_STAFF = "program_staff", _("Program staff")
    CURATOR = "curator", _("Directory curator")
    ADMINISTRATOR = "administrator", _("Administrator")
    LIAISON = "liaison", _("Law-enforcement liaison")


class Agency(models.Model):
    """An outside agency whose liaisons receive reports. Later linked to a directory
    organization."""

    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StaffManager(UserManager["User"]):
    def create_superuser(
        self,
        username: str,
        email: str | None = None,
        password: str | None = None,
        **extra_fields: Any,
    ) -> "User":
        # There are no superusers: "createsuperuser" makes an administrator, whose powers come
        # from the rules in hotline.accounts.rules like everybody else's.
        extra_fields["role"] = Role.ADMINISTRATOR
        extra_fields["is_superuser"] = False
        return self.create_user(username, email, password, **extra_fields)


class User(AbstractUser):
    """A staff account. Nobody signs up: an administrator creates it and sends an invite link."""

    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    agency = models.ForeignKey(
        Agency,
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="liaisons",
        help_text=_("Only for law-enforcement liaisons: the one agency whose reports they see."),
    )
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set for one-time passwords: the next sign-in asks for a new one."),
    )

    objects = StaffManager()  # type: ignore[misc]

    REQUIRED_FIELDS = ["email", "role"]

    class Meta:
        verbose_name = _("staff account")
        verbose_name_plural = _("staff accounts")
        ordering = ["username"]
        constraints = [
            models.CheckConstraint(
                name="liaison_has_agency",
                condition=(Q(role=Role.LIAISON) & Q(agency__isnull=False))
                | (~Q(role=Role.LIAISON) & Q(agency__isnull=True)),
                violation_error_message=_(
                    "A liaison belongs to exactly one agency; other roles belong to none."
                ),
            ),
            models.CheckConstraint(name="no_superusers", condition=Q(is_superuser=False)),
        ]

    def is_verified(self) -> bool:
        """Whether this request passed two-factor: django-otp's middleware replaces it on each
        request's user. Where it did not run, nobody is verified."""
        return False

    def has_module_perms(self, app_label: str) -> bool:
        """Django admin shows an app to whoever holds any of that app's rules
        (accounts/rules.py): permissions come from the rules alone, as everywhere else."""
        prefix = f"{app_label}."
        return self.is_active and any(
            self.has_perm(name) for name in rules_permissions if name.startswith(prefix)
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.is_superuser = False
        self.is_staff = self.role == Role.ADMINISTRATOR
        if kwargs.get("update_fields") is not None and "role" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "is_staff", "is_superuser"}
        super().save(*args, **kwargs)
