"""Template filters that show vocabulary codes in words:
`{{ case.means|labels:"means"|join:", " }}`, `{{ payload.venue|label:"venue" }}`. See
`vocabularies.VOCABULARY`."""

from django import template

from hotline.cases import vocabularies

register = template.Library()


@register.filter
def label(code: object, vocabulary: str) -> str:
    return vocabularies.label(vocabulary, code)


@register.filter
def labels(codes: object, vocabulary: str) -> list[str]:
    return vocabularies.labels(vocabulary, codes)
