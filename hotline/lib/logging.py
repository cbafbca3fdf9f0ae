from django.http import HttpRequest
from django.views.debug import SafeExceptionReporterFilter


class MaskEverythingFilter(SafeExceptionReporterFilter):
    """Error reports show which fields were posted, never their values."""

    def is_active(self, request: HttpRequest | None) -> bool:
        return True

    def get_post_parameters(self, request: HttpRequest | None) -> dict[str, str]:
        if request is None:
            return {}
        return {key: self.cleansed_substitute for key in request.POST}
