"""The resource library: materials by audience and topic, grouped in collections.

Audiences, topics and languages are rows (a deployment adds its own), each named by a stable
code. The codes below are the built-in vocabulary: their labels are translated; a row whose code
is not built in shows its own `name`.
"""

from typing import TypeVar

from django.db import models
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class ResourceType(models.TextChoices):
    ONLINE_TRAINING = "online_training", _("Online training")
    ASSESSMENT_TOOL = "assessment_tool", _("Assessment tool")
    TOOL = "tool", _("Practical tool")
    FACT_SHEET = "fact_sheet", _("Fact sheet")
    REPORT = "report", _("Report or study")
    HANDBOOK = "handbook", _("Handbook, manual or guide")
    PRESENTATION = "presentation", _("Presentation")
    CHART = "chart", _("Chart or diagram")
    ARTICLE = "article", _("Article")
    VIDEO = "video", _("Video")
    BROCHURE = "brochure", _("Brochure")
    POSTER = "poster", _("Poster")
    CARD = "card", _("Card")
    TOOLKIT = "toolkit", _("Toolkit or action plan")
    WEB_PAGE = "web_page", _("Web page")


class Format(models.TextChoices):
    PDF = "pdf", _("PDF document")
    WEB = "web", _("Web page")
    ONLINE_COURSE = "online_course", _("Online course")
    SLIDES = "slides", _("Slides")
    VIDEO = "video", _("Video")
    PRINT = "print", _("Printed material")


class AudienceCode(models.TextChoices):
    VICTIMS = "victims", _("Victims and survivors")
    INDIVIDUALS = "individuals", _("Individuals and community")
    FIRST_RESPONDERS = "first_responders", _("First responders")
    LAW_ENFORCEMENT = "law_enforcement", _("Law enforcement")
    BUSINESSES = "businesses", _("Businesses")
    LEGAL = "legal", _("Legal professionals")
    NGOS = "ngos", _("NGOs")
    HEALTH_CARE = "health_care", _("Health care")
    SOCIAL_SERVICES = "social_services", _("Social services")
    YOUTH_PROGRAMS = "youth_programs", _("Youth-serving programs")


# Short names for the navigation, as the seed's menu has them.
AUDIENCE_SHORT_LABELS: dict[str, Promise] = {
    AudienceCode.VICTIMS: _("Victims"),
    AudienceCode.INDIVIDUALS: _("Individuals"),
    AudienceCode.FIRST_RESPONDERS: _("First Responders"),
    AudienceCode.LAW_ENFORCEMENT: _("Law Enforcement"),
    AudienceCode.BUSINESSES: _("Businesses"),
    AudienceCode.LEGAL: _("Legal Professionals"),
    AudienceCode.NGOS: _("NGOs"),
    AudienceCode.HEALTH_CARE: _("Health Care"),
    AudienceCode.SOCIAL_SERVICES: _("Social Services"),
    AudienceCode.YOUTH_PROGRAMS: _("Youth Programs"),
}


class TopicCode(models.TextChoices):
    SEX_TRAFFICKING = "sex_trafficking", _("Sex trafficking")
    LABOR_TRAFFICKING = "labor_trafficking", _("Labor trafficking")
    CHILD_TRAFFICKING = "child_trafficking", _("Child trafficking")
    GANG_TRAFFICKING = "gang_trafficking", _("Gang-involved trafficking")
    DOMESTIC_SERVITUDE = "domestic_servitude", _("Domestic servitude")
    IDENTIFICATION = "identification", _("Identification and indicators")
    TRAUMA = "trauma", _("Trauma and mental health")
    CASE_MANAGEMENT = "case_management", _("Case management")
    MEDICAL_CARE = "medical_care", _("Medical care")
    COMMUNITY_RESPONSE = "community_response", _("Community response")
    VICTIM_SERVICES = "victim_services", _("Victim services and benefits")
    INTERVIEWING_ETHICS = "interviewing_ethics", _("Interviewing ethics")
    VICTIM_PROTECTION = "victim_protection", _("Victim protection and rights")
    LAW_ENFORCEMENT_RESPONSE = "law_enforcement_response", _("Law-enforcement response")
    FOREIGN_NATIONALS = "foreign_nationals", _("Foreign national victims")
    RUNAWAY_YOUTH = "runaway_youth", _("Runaway and homeless youth")
    LANGUAGE_ACCESS = "language_access", _("Language access")
    PUBLIC_AWARENESS = "public_awareness", _("Public awareness")
    RESEARCH = "research", _("Research and policy")


LANGUAGE_NAMES: dict[str, Promise] = {
    "en": _("English"),
    "es": _("Spanish"),
    "fr": _("French"),
    "ru": _("Russian"),
    "zh": _("Chinese"),
    "vi": _("Vietnamese"),
    "ko": _("Korean"),
    "tl": _("Tagalog"),
    "ar": _("Arabic"),
    "ht": _("Haitian Creole"),
    "pt": _("Portuguese"),
}


_Term = TypeVar("_Term", bound=models.Model)


class VocabularyQuerySet(models.QuerySet[_Term]):
    """For terms (audiences, topics, languages) and publishers."""

    def in_use(self) -> "VocabularyQuerySet[_Term]":
        """Only the terms at least one published resource carries (an indexed EXISTS per term,
        not a join over every resource)."""
        relation = self.model._meta.get_field("resources")
        through = getattr(relation, "through", None)
        if through is None:  # a foreign key from Resource (publishers)
            used = Resource.objects.filter(publisher=models.OuterRef("pk"), is_published=True)
        else:
            column = f"{self.model._meta.model_name}_id"
            used = through.objects.filter(
                **{column: models.OuterRef("pk")}, resource__is_published=True
            )
        return self.filter(models.Exists(used))


class Term(models.Model):
    """A term of one vocabulary: a stable code, a fallback name, a place in lists."""

    BUILT_IN: dict[str, Promise] = {}

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(
        _("name"),
        max_length=100,
        help_text=_("Shown when the code is not one of the built-in, translated terms."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=100)

    objects = VocabularyQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return str(self.label)

    @property
    def label(self) -> str | Promise:
        return self.BUILT_IN.get(self.code, self.name)

    @property
    def slug(self) -> str:
        return self.code.replace("_", "-")


class Audience(Term):
    BUILT_IN = dict(AudienceCode.choices)

    class Meta(Term.Meta):
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")

    def get_absolute_url(self) -> str:
        return reverse("site:audience", kwargs={"slug": self.slug})

    @property
    def short_label(self) -> str | Promise:
        return AUDIENCE_SHORT_LABELS.get(self.code, self.name)


class Topic(Term):
    BUILT_IN = dict(TopicCode.choices)

    class Meta(Term.Meta):
        verbose_name = _("topic")
        verbose_name_plural = _("topics")


class Language(Term):
    BUILT_IN = LANGUAGE_NAMES

    code = models.SlugField(_("code"), max_length=12, unique=True, help_text=_("e.g. en, es"))

    class Meta(Term.Meta):
        verbose_name = _("language")
        verbose_name_plural = _("languages")


class Publisher(models.Model):
    """The organization that published a resource (later linked to a directory entry)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)

    objects = VocabularyQuerySet.as_manager()

    class Meta:
        verbose_name = _("publisher")
        verbose_name_plural = _("publishers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ResourceQuerySet(models.QuerySet["Resource"]):
    def published(self) -> "ResourceQuerySet":
        return self.filter(is_published=True)

    def for_listing(self) -> "ResourceQuerySet":
        """What a list of resources shows, in a fixed number of queries."""
        return self.select_related("publisher")


class Resource(models.Model):
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    publisher = models.ForeignKey(
        Publisher,
        verbose_name=_("publisher"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resources",
    )
    resource_type = models.CharField(_("type"), max_length=30, choices=ResourceType.choices)
    format = models.CharField(_("format"), max_length=20, choices=Format.choices, blank=True)
    audiences = models.ManyToManyField(
        Audience, verbose_name=_("audiences"), related_name="resources"
    )
    topics = models.ManyToManyField(
        Topic, verbose_name=_("topics"), related_name="resources", blank=True
    )
    languages = models.ManyToManyField(
        Language, verbose_name=_("languages"), related_name="resources", blank=True
    )
    url = models.URLField(
        _("link"), max_length=500, blank=True, help_text=_("Leave empty when not known.")
    )
    file = models.FileField(_("file"), upload_to="library/", blank=True)
    published_on = models.DateField(_("date"), null=True, blank=True)
    is_published = models.BooleanField(
        _("shown on the public site"),
        default=True,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        ordering = ["title", "pk"]
        indexes = [
            # The few unpublished resources, which searches leave out (hotline/library/search.py).
            models.Index(
                fields=["id"], condition=models.Q(is_published=False), name="library_unpublished"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("library:resource", kwargs={"slug": self.slug})

    @property
    def type_label(self) -> str | Promise:
        """What get_resource_type_display() gives, without rebuilding a dictionary of every
        type's label on each call (a list of 20 resources spent 2 ms on it)."""
        return TYPE_LABELS.get(self.resource_type, self.resource_type)


TYPE_LABELS: dict[str, str | Promise] = dict(ResourceType.choices)


class Collection(models.Model):
    """A named set of resources, such as a campaign's posters."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    publisher = models.ForeignKey(
        Publisher,
        verbose_name=_("publisher"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="collections",
    )
    resources: "models.ManyToManyField[Resource, CollectionItem]" = models.ManyToManyField(
        Resource,
        verbose_name=_("resources"),
        through="CollectionItem",
        related_name="collections",
    )

    class Meta:
        verbose_name = _("collection")
        verbose_name_plural = _("collections")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class CollectionItem(models.Model):
    collection = models.ForeignKey(
        Collection, verbose_name=_("collection"), on_delete=models.CASCADE, related_name="items"
    )
    resource = models.ForeignKey(
        Resource, verbose_name=_("resource"), on_delete=models.CASCADE, related_name="+"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("collection item")
        verbose_name_plural = _("collection items")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["collection", "resource"], name="collection_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.collection}: {self.resource}"


class SearchWord(models.Model):
    """Every distinct word of the indexed text, for correcting typing mistakes in queries.
    Only grows between rebuilds: a word that no longer occurs merely finds nothing."""

    word = models.CharField(max_length=60, primary_key=True)
    initial = models.CharField(max_length=1)
    length = models.PositiveSmallIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["initial", "length"], name="library_searchword_near"),
        ]

    def __str__(self) -> str:
        return self.word
