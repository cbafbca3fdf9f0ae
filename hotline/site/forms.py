from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.library.forms import https_by_default
from hotline.site.models import PublicSettings


class PublicSettingsForm(forms.ModelForm[PublicSettings]):
    class Meta:
        formfield_callback = https_by_default
        model = PublicSettings
        fields = [
            "emergency_number",
            "hotline_number",
            "hotline_email",
            "text_number",
            "text_keywords",
            "complaint_line_number",
            "complaint_line_name",
            "complaint_line_hours",
            "quick_exit_url",
        ]


class ConsoleSearchForm(forms.Form):
    """The console header's one search box. Sent by POST only: what is typed may be a phone
    number or an email address, which never go into a URL."""

    q = forms.CharField(
        label=_("Find a reference, phone, email or words"),
        max_length=200,
        strip=True,
        error_messages={"required": _("Type a reference, a phone number, an email or words.")},
    )
