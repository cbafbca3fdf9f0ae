from django import forms
from django.utils.translation import gettext_lazy as _


class ReplyForm(forms.Form):
    # The gate (outbound.send_text) says what is wrong with an empty or too long text, in the
    # words the page uses: the form only reads it.
    body = forms.CharField(label=_("Your reply"), required=False)


class SendForm(forms.Form):
    """Which of the contact's referrals or shared resources to send (one of the two)."""

    referral = forms.IntegerField(required=False, min_value=1)
    resource = forms.IntegerField(required=False, min_value=1)
    asked_safe = forms.BooleanField(required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if bool(data.get("referral")) == bool(data.get("resource")):
            raise forms.ValidationError(_("Choose one referral or one resource to send."))
        return data
