"""The case vocabularies of DOMAIN.md, as choices with stable codes. A deployment extends them by
adding members; codes are never renamed, because reports and snapshots carry them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TraffickingType(models.TextChoices):
    SEX = "sex", _("Sex trafficking")
    LABOR = "labor", _("Labor trafficking")
    SEX_AND_LABOR = "sex_and_labor", _("Sex and labor trafficking")
    NOT_SPECIFIED = "not_specified", _("Not specified")


class Typology(models.TextChoices):
    """Polaris (2017), 25 types; several may apply."""

    ESCORT = "escort", _("Escort services")
    ILLICIT_MASSAGE = "illicit_massage", _("Illicit massage, health & beauty")
    OUTDOOR_SOLICITATION = "outdoor_solicitation", _("Outdoor solicitation")
    RESIDENTIAL = "residential", _("Residential")
    DOMESTIC_WORK = "domestic_work", _("Domestic work")
    BARS = "bars", _("Bars, strip clubs & cantinas")
    PORNOGRAPHY = "pornography", _("Pornography")
    SALES_CREWS = "sales_crews", _("Traveling sales crews")
    RESTAURANTS = "restaurants", _("Restaurants & food service")
    PEDDLING = "peddling", _("Peddling & begging")
    AGRICULTURE = "agriculture", _("Agriculture & animal husbandry")
    PERSONAL_SERVITUDE = "personal_servitude", _("Personal sexual servitude")
    HEALTH_BEAUTY = "health_beauty", _("Health & beauty services")
    CONSTRUCTION = "construction", _("Construction")
    HOSPITALITY = "hospitality", _("Hotels & hospitality")
    LANDSCAPING = "landscaping", _("Landscaping")
    ILLICIT_ACTIVITIES = "illicit_activities", _("Illicit activities")
    ARTS = "arts", _("Arts & entertainment")
    CLEANING = "cleaning", _("Commercial cleaning services")
    FACTORIES = "factories", _("Factories & manufacturing")
    REMOTE_SEXUAL = "remote_sexual", _("Remote interactive sexual acts")
    CARNIVALS = "carnivals", _("Carnivals")
    FORESTRY = "forestry", _("Forestry & logging")
    HEALTH_CARE = "health_care", _("Health care")
    RECREATION = "recreation", _("Recreational facilities")


class Venue(models.TextChoices):
    HOTEL_MOTEL = "hotel_motel", _("Hotel/motel")
    RESIDENCE = "residence", _("Residence")
    ONLINE = "online", _("Online")
    STREET = "street", _("Street")
    BUSINESS = "business", _("Business")
    FARM = "farm", _("Farm or worksite")
    VEHICLE = "vehicle", _("Vehicle or truck stop")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class Means(models.TextChoices):
    """Force, fraud and coercion items: the prefix of each code names its kind."""

    FORCE_ASSAULT = "force:assault", _("Force: physical or sexual assault")
    FORCE_CONFINEMENT = "force:confinement", _("Force: confinement")
    FRAUD_FALSE_PROMISES = "fraud:false_promises", _("Fraud: false promises about work or living")
    FRAUD_WITHHELD_WAGES = "fraud:withheld_wages", _("Fraud: withheld wages")
    COERCION_THREATS = "coercion:threats", _("Coercion: threats of harm")
    COERCION_DEPORTATION = "coercion:deportation", _("Coercion: threats of deportation")
    COERCION_DEBT = "coercion:debt_bondage", _("Coercion: debt bondage")
    COERCION_PSYCHOLOGICAL = "coercion:psychological", _("Coercion: psychological manipulation")
    COERCION_DOCUMENTS = "coercion:documents", _("Coercion: confiscated documents")


class ControlMethod(models.TextChoices):
    """The Power and Control Wheel."""

    COERCION_THREATS = "coercion_threats", _("Coercion and threats")
    INTIMIDATION = "intimidation", _("Intimidation")
    EMOTIONAL_ABUSE = "emotional_abuse", _("Emotional abuse")
    ISOLATION = "isolation", _("Isolation")
    DENYING_BLAMING = "denying_blaming", _("Denying, blaming, minimizing")
    SEXUAL_ABUSE = "sexual_abuse", _("Sexual abuse")
    PHYSICAL_ABUSE = "physical_abuse", _("Physical abuse")
    PRIVILEGE = "privilege", _("Using privilege")
    ECONOMIC_ABUSE = "economic_abuse", _("Economic abuse")


class Recruitment(models.TextChoices):
    """Proposed: no authoritative list was found."""

    FAMILY = "family", _("Family member")
    INTIMATE_PARTNER = "intimate_partner", _("Intimate partner or marriage proposition")
    JOB_OFFER = "job_offer", _("Job offer")
    FALSE_PROMISES = "false_promises", _("False promises")
    BENEFACTOR = "benefactor", _("Posing as benefactor")
    SMUGGLING = "smuggling", _("Smuggling-related")
    OTHER = "other", _("Other")


class RiskFactor(models.TextChoices):
    """Proposed: no authoritative list was found."""

    MIGRATION = "migration", _("Recent migration or relocation")
    SUBSTANCE_USE = "substance_use", _("Substance use")
    MENTAL_HEALTH = "mental_health", _("Mental health concern")
    CHILD_WELFARE = "child_welfare", _("Child-welfare involvement")
    RUNAWAY = "runaway", _("Runaway or homeless youth")
    UNSTABLE_HOUSING = "unstable_housing", _("Unstable housing")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MONITORING = "monitoring", _("Monitoring")
    REFERRED = "referred", _("Referred to agency")
    CLOSED = "closed", _("Closed")


class AgeGroup(models.TextChoices):
    ADULT = "adult", _("Adult")
    MINOR = "minor", _("Minor (17 or under)")
    UNKNOWN = "unknown", _("Unknown")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    GENDER_MINORITY = "gender_minority", _("Gender minority")
    UNKNOWN = "unknown", _("Unknown")


class Citizenship(models.TextChoices):
    US_CITIZEN = "us_citizen", _("US citizen")
    PERMANENT_RESIDENT = "permanent_resident", _("Lawful permanent resident")
    FOREIGN_NATIONAL = "foreign_national", _("Foreign national")
    UNKNOWN = "unknown", _("Unknown")


class IndicatorLevel(models.TextChoices):
    HIGH = "high", _("High")
    MODERATE = "moderate", _("Moderate")


class ConsentGiver(models.TextChoices):
    VICTIM = "victim", _("The person in the situation")
    GUARDIAN = "guardian", _("Parent or guardian")


class ConsentMethod(models.TextChoices):
    WRITTEN = "written", _("Written")
    RECORDED_VERBAL = "recorded_verbal", _("Recorded verbal")


class ConsentPurpose(models.TextChoices):
    REPORT = "report", _("Report to the named agencies")
    INVESTIGATION_FOLLOW_UP = "follow_up", _("Follow-up contact by the named agencies")
    SERVICES = "services", _("Referral to services")


class ReportStatus(models.TextChoices):
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting a supervisor's approval")
    DECLINED = "declined", _("Declined by a supervisor")
    SENT = "sent", _("Sent")


class Level(models.TextChoices):
    FULL = "full", _("Full report")
    DEIDENTIFIED = "deidentified", _("De-identified report")


class Basis(models.TextChoices):
    CONSENT = "consent", _("Consent covering this recipient")
    MINOR = "minor", _("A minor: documented reason and supervisor approval")
    IMMINENT_DANGER = "imminent_danger", _("Imminent danger: documented reason and approval")
    DEIDENTIFIED = "deidentified", _("No consent: de-identified")


class Exception_(models.TextChoices):
    """What a specialist may invoke to send a full report without consent."""

    MINOR = "minor", _("A minor is involved")
    IMMINENT_DANGER = "imminent_danger", _("Someone is in imminent danger")


class ReportOutcome(models.TextChoices):
    INVESTIGATION_OPENED = "investigation_opened", _("Investigation opened")
    REFERRED = "referred", _("Referred to another agency")
    ALREADY_KNOWN = "already_known", _("Already known to the agency")
    INSUFFICIENT = "insufficient", _("Insufficient information")
    NO_ACTION = "no_action", _("No action")
    OTHER = "other", _("Other")


class ConsentState(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class DeliveryState(models.TextChoices):
    """How a sent report reaches its recipient."""

    PORTAL = "portal", _("In the agency's portal")
    BY_PHONE = "by_phone", _("To be delivered by phone")
    DELIVERED = "delivered", _("Delivered by phone")


# --- Words, not codes ----------------------------------------------------------------------------
# The one place that says which vocabulary a stored code belongs to, by the name it carries on
# a model and in a report's payload. Every page, email and report shows a code through
# `label`/`labels` (the template filters of `cases_words` use these), never the code itself.

VOCABULARY: dict[str, type[models.TextChoices]] = {
    "trafficking_type": TraffickingType,
    "typologies": Typology,
    "venue": Venue,
    "means": Means,
    "control_methods": ControlMethod,
    "recruitment": Recruitment,
    "risk_factors": RiskFactor,
    "status": CaseStatus,
    "age_group": AgeGroup,
    "gender": Gender,
    "citizenship": Citizenship,
    "indicator_level": IndicatorLevel,
    "given_by": ConsentGiver,
    "method": ConsentMethod,
    "purposes": ConsentPurpose,
    "report_status": ReportStatus,
    "level": Level,
    "basis": Basis,
    "exception": Exception_,
    "outcome": ReportOutcome,
    "consent_state": ConsentState,
    "delivery": DeliveryState,
}


def label(vocabulary: str, code: object) -> str:
    """The translated label of one code of the named vocabulary; "" for an empty code. A code
    the vocabulary does not (or no longer) know is shown as it is, never hidden."""
    if code in (None, ""):
        return ""
    choices = VOCABULARY[vocabulary]
    try:
        return str(choices(str(code)).label)
    except ValueError:
        return str(code)


def labels(vocabulary: str, codes: object) -> list[str]:
    """The labels of a list of codes, in the vocabulary's order (then unknown codes)."""
    if not codes:
        return []
    given = [str(c) for c in codes] if isinstance(codes, list | tuple | set) else [str(codes)]
    order = {value: i for i, value in enumerate(VOCABULARY[vocabulary].values)}
    return [label(vocabulary, c) for c in sorted(given, key=lambda c: order.get(c, len(order)))]
