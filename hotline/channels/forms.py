from django import forms
from django.utils import translation
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


MAX_INTERPRETER_MINUTES = 600


def interpreter_languages() -> list[tuple[str, str]]:
    """Every language Django knows by name (an interpreter line covers far more than the
    site's own), in the reader's language, in alphabetical order."""
    from django.conf.locale import LANG_INFO

    names = {
        code: str(translation.get_language_info(code)["name_translated"])
        for code, info in LANG_INFO.items()
        if "name" in info
    }
    return [("", str(_("Choose a language"))), *sorted(names.items(), key=lambda item: item[1])]


class InterpreterForm(forms.Form):
    """An interpreter's part in a call: the language and the minutes interpreted."""

    language = forms.ChoiceField(label=_("Interpreter's language"), choices=interpreter_languages)
    minutes = forms.IntegerField(
        label=_("Minutes interpreted"), min_value=1, max_value=MAX_INTERPRETER_MINUTES
    )
