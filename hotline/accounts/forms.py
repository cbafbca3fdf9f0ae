from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _

from hotline.accounts.models import Role, User

if TYPE_CHECKING:
    _SetPasswordForm = SetPasswordForm[User]
else:  # generic only in django-stubs, and django_stubs_ext.monkeypatch() leaves it out
    _SetPasswordForm = SetPasswordForm


class SignInForm(forms.Form):
    username = forms.CharField(
        label=_("User name"), max_length=150, widget=forms.TextInput(attrs={"autofocus": True})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_token(self) -> str:
        return str(self.cleaned_data["token"]).replace(" ", "").strip()


class NewPasswordForm(_SetPasswordForm):
    """Choosing one's own password: Django's validators (12 characters, not common, not like
    the user name, not all digits)."""


class StaffForm(forms.ModelForm[User]):
    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "role", "agency"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        role, agency = data.get("role"), data.get("agency")
        if role == Role.LIAISON and agency is None:
            self.add_error("agency", _("A law-enforcement liaison must belong to an agency."))
        if role and role != Role.LIAISON and agency is not None:
            self.add_error("agency", _("Only law-enforcement liaisons belong to an agency."))
        return data


class StaffChangeForm(StaffForm):
    class Meta(StaffForm.Meta):
        fields = ["role", "agency", "is_active"]
