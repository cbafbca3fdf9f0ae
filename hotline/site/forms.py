from django import forms

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
