from typing import Any

from django import forms
from django.db import models


def https_by_default(field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    """A ModelForm `formfield_callback`: links typed without a scheme are taken as https://."""
    if isinstance(field, models.URLField):
        kwargs["assume_scheme"] = "https"
    return field.formfield(**kwargs)
