from django import forms
from django.utils.translation import gettext_lazy as _

from hotline.site.models import PublicSettings


class PublicSettingsForm(forms.ModelForm):
    quick_exit_url = forms.URLField(
        label=_("quick-exit address"),
        help_text=_("A neutral site the quick-exit button leaves for at once."),
        assume_scheme="https",
    )

    class Meta:
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
