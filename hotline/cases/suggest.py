"""The federal definition (TVPA) as a suggestion to the specialist, never a decision: anyone under
18 in commercial sex is a victim of sex trafficking regardless of force, fraud or coercion;
otherwise labor or commercial sex induced by force, fraud or coercion."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hotline.cases.models import Case
from hotline.cases.vocabularies import AgeGroup, Means, TraffickingType

SEX = {TraffickingType.SEX, TraffickingType.SEX_AND_LABOR}
LABOR = {TraffickingType.LABOR, TraffickingType.SEX_AND_LABOR}
MEANS_KINDS = {"force": _("force"), "fraud": _("fraud"), "coercion": _("coercion")}


@dataclass(frozen=True)
class Reason:
    code: str
    text: Promise | str


def reasons(case: Case) -> list[Reason]:
    """Why the recorded facts meet the definition; empty when they do not (yet)."""
    found: list[Reason] = []
    commercial_sex = case.trafficking_type in SEX
    labor = case.trafficking_type in LABOR
    if commercial_sex and any(v.age_group == AgeGroup.MINOR for v in case.victims.all()):
        found.append(
            Reason(
                "minor_in_commercial_sex",
                _(
                    "A minor in commercial sex: a victim of sex trafficking regardless of force, "
                    "fraud or coercion."
                ),
            )
        )
    labels = dict(Means.choices)
    means = sorted(m for m in case.means if m in labels)
    if (commercial_sex or labor) and means:
        kinds = sorted({m.split(":", 1)[0] for m in means})
        what = _("commercial sex") if commercial_sex and not labor else _("labor")
        if commercial_sex and labor:
            what = _("labor and commercial sex")
        found.append(
            Reason(
                "force_fraud_coercion:" + ",".join(kinds),
                _("%(what)s induced through %(kinds)s: %(items)s.")
                % {
                    "what": what,
                    "kinds": ", ".join(str(MEANS_KINDS[k]) for k in kinds),
                    "items": "; ".join(str(labels[m]) for m in means),
                },
            )
        )
    return found
