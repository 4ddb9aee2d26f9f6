"""The facts of pressure and what they hang on: vocabularies, places, elections, sources.

Fitted from the HURIDOCS Events Standard Formats: an Incident is an "event", an Involvement an
"act"/"involvement" linking it to a person or organization in a role, a Source an "information"
record with its reliability grading.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Func, Q
from django.db.models.functions import Coalesce
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

LANGS = ("en", "uk", "ru", "crh")


class Vocabulary(models.Model):
    """A controlled list (incident types, roles, ...). ``version`` rises with every change."""

    code = models.SlugField(max_length=40, unique=True)
    name_en = models.CharField(max_length=200)
    name_uk = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "vocabularies"

    def __str__(self):
        return self.code

    @property
    def name(self):
        return localized(self, "name")


class Term(models.Model):
    """One entry of a vocabulary, with labels in the working languages."""

    vocabulary = models.ForeignKey(Vocabulary, on_delete=models.PROTECT, related_name="terms")
    code = models.SlugField(max_length=60)
    label_en = models.CharField(max_length=200)
    label_uk = models.CharField(max_length=200, blank=True)
    label_ru = models.CharField(max_length=200, blank=True)
    label_crh = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    reference = models.CharField(max_length=300, blank=True, help_text="Legal text or standard the term stands for.")
    order = models.PositiveIntegerField(default=0)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["vocabulary", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["vocabulary", "code"], name="term_unique_code")]

    def __str__(self):
        return self.label

    @property
    def label(self):
        return localized(self, "label")


def localized(obj, field: str) -> str:
    """The field in the active language, falling back to English."""
    lang = (get_language() or "en").split("-")[0]
    return getattr(obj, f"{field}_{lang}", "") or getattr(obj, f"{field}_en")


class Place(models.Model):
    """A gazetteer entry: region, raion, hromada or settlement (KATOTTG codifier)."""

    class Category(models.TextChoices):
        REGION = "O", _("region")
        SPECIAL_CITY = "K", _("city with special status")
        RAION = "P", _("raion")
        HROMADA = "H", _("hromada")
        CITY = "M", _("city")
        SELYSHCHE = "X", _("selyshche")
        VILLAGE = "C", _("village")
        CITY_DISTRICT = "B", _("city district")

    code = models.CharField(max_length=19, unique=True, help_text="KATOTTG code, e.g. UA01020010010073418")
    koatuu = models.CharField(max_length=10, blank=True, db_index=True)
    category = models.CharField(max_length=1, choices=Category.choices)
    urban_type = models.BooleanField(default=False, help_text="смт in KOATUU")
    name_uk = models.CharField(max_length=200)
    name_ru = models.CharField(max_length=200, blank=True)
    name_latin = models.CharField(max_length=200, blank=True, help_text="National transliteration (2010)")
    name_crh = models.CharField(max_length=200, blank=True)
    alt_names = models.JSONField(default=list, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    region = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    raion = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    occupied_since = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["name_uk"]
        indexes = [models.Index(fields=["category"])]

    def __str__(self):
        return self.name

    @property
    def public_id(self):
        return self.code

    @property
    def name(self):
        """The name in the reader's language (docs/names.md, "Places and organizations in the reader's language"):
        Ukrainian as the codifier writes it; Russian and Crimean Tatar when the gazetteer records
        them; English the exonym (``data/gazetteer/exonyms.csv``) where English has one. Missing
        names fall back to a script the reader reads: Russian to Ukrainian, Crimean Tatar (Latin)
        and English to the national transliteration, and then to Ukrainian."""
        from svidok.incidents.exonyms import english_name

        lang = (get_language() or "en").split("-")[0]
        if lang == "uk":
            return self.name_uk
        if lang == "ru":
            return self.name_ru or self.name_uk
        if lang == "crh":
            return self.name_crh or self.name_latin or self.name_uk
        return english_name(self.code) or self.name_latin or self.name_uk


class Election(models.Model):
    """An occupation "election" or referendum that incidents are tied to."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=300)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=40, blank=True)
    date = models.DateField(_("voting day"))
    territory = models.ForeignKey(Place, null=True, blank=True, on_delete=models.PROTECT, related_name="elections")
    territory_text = models.CharField(_("territory"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["-date", "name"]

    def __str__(self):
        return self.display_name

    @property
    def public_id(self):
        return str(self.uuid)

    @property
    def display_name(self):
        lang = (get_language() or "en").split("-")[0]
        return (self.name_uk if lang == "uk" else "") or self.name


class ElectionFigure(models.Model):
    """A number about an election: an official result or somebody's estimate, with its source."""

    class Metric(models.TextChoices):
        TURNOUT = "turnout", _("turnout (%)")
        LEADER_SHARE = "leader_share", _("leader's share (%)")
        INVALID_SHARE = "invalid_share", _("invalid ballots (%)")
        OTHER = "other", _("other")

    class Comparator(models.TextChoices):
        EQ = "eq", "="
        LE = "le", "≤"
        GE = "ge", "≥"
        APPROX = "approx", "≈"

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="figures")
    territory = models.ForeignKey(Place, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    territory_text = models.CharField(max_length=200, blank=True)
    population_group = models.CharField(max_length=200, blank=True, help_text="e.g. Crimean Tatars")
    metric = models.CharField(max_length=20, choices=Metric.choices)
    comparator = models.CharField(max_length=8, choices=Comparator.choices, default=Comparator.EQ)
    value = models.DecimalField(max_digits=7, decimal_places=2)
    official = models.BooleanField(help_text="Published by the organizers, as opposed to an estimate")
    claimed_by = models.CharField(max_length=200, blank=True)
    source = models.ForeignKey("Source", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["election", "-official", "metric", "territory_text"]

    def __str__(self):
        return f"{self.metric} {self.get_comparator_display()} {self.value}"


class DatePrecision(models.TextChoices):
    DAY = "day", _("exact day")
    MONTH = "month", _("month")
    YEAR = "year", _("year")
    RANGE = "range", _("date range")
    APPROXIMATE = "approximate", _("approximate")


class Source(models.Model):
    """Where a fact comes from: an article, testimony, document, post or official act."""

    class Reliability(models.TextChoices):
        # Admiralty (NATO) source reliability.
        A = "A", _("A — completely reliable")
        B = "B", _("B — usually reliable")
        C = "C", _("C — fairly reliable")
        D = "D", _("D — not usually reliable")
        E = "E", _("E — unreliable")
        F = "F", _("F — reliability cannot be judged")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+", limit_choices_to={"vocabulary__code": "source_type"})
    title = models.CharField(_("title"), max_length=500)
    publisher = models.CharField(_("publisher"), max_length=300, blank=True)
    author = models.CharField(_("author"), max_length=300, blank=True)
    url = models.URLField(_("URL"), max_length=2000, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    accessed_on = models.DateField(_("accessed on"), null=True, blank=True)
    language = models.CharField(_("language"), max_length=8, blank=True)
    reliability = models.CharField(_("reliability"), max_length=1, choices=Reliability.choices, default=Reliability.F)
    credibility = models.PositiveSmallIntegerField(
        _("credibility"), default=6, validators=[MinValueValidator(1), MaxValueValidator(6)],
        help_text=_("1 confirmed … 5 improbable, 6 cannot be judged"),
    )
    excerpt = models.TextField(_("excerpt"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-published_on", "title"]
        constraints = [
            models.CheckConstraint(condition=Q(credibility__gte=1, credibility__lte=6), name="source_credibility_1_6"),
        ]

    def __str__(self):
        return self.title

    @property
    def public_id(self):
        return str(self.uuid)

    @property
    def grading(self):
        return f"{self.reliability}{self.credibility}"


class Tag(models.Model):
    name = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class DaysBetween(Func):
    """Whole days from the second date to the first, an integer, on SQLite and PostgreSQL alike.

    Deterministic on both, so it may define a stored generated column.
    """

    arity = 2
    output_field = models.IntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="CAST(julianday(%(expressions)s) AS INTEGER)",
                           arg_joiner=") - julianday(", **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(%(expressions)s)", arg_joiner=" - ", **extra)


class Incident(models.Model):
    """One fact of pressure: what happened, when, where, to whom, by whom, and how we know."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        VERIFIED = "verified", _("verified")
        REJECTED = "rejected", _("rejected")
        DUPLICATE = "duplicate", _("duplicate")

    class Sensitivity(models.TextChoices):
        PUBLIC = "public", _("public")
        INTERNAL = "internal", _("internal")
        RESTRICTED = "restricted", _("restricted")

    class Confidence(models.TextChoices):
        LOW = "low", _("low")
        MEDIUM = "medium", _("medium")
        HIGH = "high", _("high")

    reference = models.CharField(max_length=20, unique=True, help_text="Public reference, SV-YYYY-NNNNNN")
    title = models.CharField(_("title"), max_length=300)
    narrative = models.TextField(_("narrative"), blank=True)
    type = models.ForeignKey(Term, verbose_name=_("type"), on_delete=models.PROTECT, related_name="+")
    date_start = models.DateField(_("date"))
    date_end = models.DateField(_("until"), null=True, blank=True)
    # Days from date_start to date_end (0 for a one-day incident), kept by the database. Its largest
    # value bounds a date-range filter by date_start, which an index can serve (queries.filter_incidents).
    span_days = models.GeneratedField(expression=DaysBetween(Coalesce("date_end", "date_start"), "date_start"),
                                      output_field=models.IntegerField(), db_persist=True)
    date_precision = models.CharField(_("date precision"), max_length=12, choices=DatePrecision.choices, default=DatePrecision.DAY)
    place = models.ForeignKey(Place, verbose_name=_("place"), null=True, blank=True, on_delete=models.PROTECT, related_name="incidents")
    place_text = models.CharField(_("place details"), max_length=300, blank=True)
    election = models.ForeignKey(Election, verbose_name=_("election"), null=True, blank=True, on_delete=models.PROTECT, related_name="incidents")
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    status_reason = models.TextField(_("reason"), blank=True)
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates")
    confidence = models.CharField(_("confidence"), max_length=8, choices=Confidence.choices, default=Confidence.MEDIUM)
    sensitivity = models.CharField(_("sensitivity"), max_length=12, choices=Sensitivity.choices, default=Sensitivity.INTERNAL)
    victim_count = models.PositiveIntegerField(_("number of victims"), null=True, blank=True)
    legal_tags = models.ManyToManyField(Term, verbose_name=_("legal qualification"), blank=True, related_name="+")
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="incidents")
    sources = models.ManyToManyField(Source, through="IncidentSource", related_name="incidents")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # On the public site since (None: not published). Only ``incidents.publication`` writes these;
    # the public site also asks for verified and public (``public.records.published_incidents``), so a
    # later change of status or sensitivity takes the incident off without anybody withdrawing it.
    published_at = models.DateTimeField(_("on the public site since"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("published by"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-date_start", "-id"]
        indexes = [
            models.Index(fields=["status", "date_start"]),
            # A type and a period: the range on date_start, then the end, status and sensitivity
            # tested from the index itself (docs/search.md, "Reads at scale").
            models.Index(fields=["type", "date_start", "date_end", "status", "sensitivity", "id"], name="incident_type_date"),
            models.Index(fields=["sensitivity", "status"]),
            # The default order of every list (newest first) is read off this index, backwards.
            models.Index(fields=["date_start", "id"], name="incident_date_id"),
            models.Index(fields=["published_at"], name="incident_published_at"),
            # The longest span in one index step (queries.longest_span).
            models.Index(fields=["span_days"], name="incident_span_days"),
            # A place (with what lies under it, a list of place ids) and a status: the count and the
            # page's ids come from this index alone, without reading the rows (docs/search.md).
            models.Index(fields=["place", "status", "sensitivity", "date_start", "id"], name="incident_place_status"),
            # On PostgreSQL only, migration 0009 adds "incident_id_visibility": the primary key
            # INCLUDE (status, sensitivity, date_start), so the ids a search matched are tested for
            # visibility, status and order by index probes, not reads of the rows (docs/search.md).
            # SQLite reads its rows by rowid either way and would ignore it.
        ]
        constraints = [
            models.CheckConstraint(condition=Q(date_end__isnull=True) | Q(date_end__gte=models.F("date_start")), name="incident_dates_ordered"),
            models.CheckConstraint(
                condition=Q(status="duplicate", duplicate_of__isnull=False) | (~Q(status="duplicate") & Q(duplicate_of__isnull=True)),
                name="incident_duplicate_linked",
            ),
        ]

    def __str__(self):
        return f"{self.reference} {self.title}"

    @property
    def public_id(self):
        return self.reference

    @property
    def audit_repr(self):
        return self.reference


class ReferenceCounter(models.Model):
    """Next number of ``SV-YYYY-NNNNNN`` per year; taken under a row lock."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


class IncidentSource(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="source_links")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="incident_links")
    note = models.CharField(max_length=500, blank=True, help_text="What this source says about the incident")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "source"], name="incident_source_unique")]

    def __str__(self):
        return f"{self.incident_id} ← {self.source_id}"


class Involvement(models.Model):
    """A person or organization taking part in an incident in a role (victim, perpetrator, ...)."""

    # Public id, so the API can address one involvement without exposing a primary key.
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="involvements")
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="involvements")
    organization = models.ForeignKey("people.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="involvements")
    role = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+", limit_choices_to={"vocabulary__code": "involvement_role"})
    perpetrator_type = models.ForeignKey(
        Term, null=True, blank=True, on_delete=models.PROTECT, related_name="+", limit_choices_to={"vocabulary__code": "perpetrator_type"}
    )
    details = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, organization__isnull=True) | Q(person__isnull=True, organization__isnull=False),
                name="involvement_person_xor_organization",
            )
        ]

    def __str__(self):
        return f"{self.party} as {self.role}"

    @property
    def party(self):
        return self.person or self.organization

    @property
    def public_id(self):
        return str(self.uuid)


class Intervention(models.Model):
    """An action taken about incidents: a statement, a submission to a court or the OSCE, legal aid."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")
        DECLINED = "declined", _("declined")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+", limit_choices_to={"vocabulary__code": "intervention_type"})
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    by_organization = models.ForeignKey("people.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="interventions")
    by_person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="interventions")
    addressee = models.CharField(_("addressed to"), max_length=300, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DONE)
    incidents = models.ManyToManyField(Incident, blank=True, related_name="interventions")
    election = models.ForeignKey(Election, null=True, blank=True, on_delete=models.PROTECT, related_name="interventions")
    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.PROTECT, related_name="interventions")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "title"]

    def __str__(self):
        return self.title

    @property
    def public_id(self):
        return str(self.uuid)


class Case(models.Model):
    """A group of incidents (and so their evidence) worked on together, e.g. for one court case.

    Sharing a case with an account is what lets external counsel see anything at all: a counsel
    account sees the incidents of the cases shared with it and nothing else (docs/permissions.md).
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    incidents = models.ManyToManyField(Incident, blank=True, related_name="cases", verbose_name=_("incidents"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    @property
    def public_id(self):
        return str(self.uuid)

    @property
    def audit_repr(self):
        return self.name


class CaseShare(models.Model):
    """One account a case is shared with, by whom and when."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_shares")
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    shared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["shared_at", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="case_shared_once_per_user")]

    def __str__(self):
        return f"{self.case} → {self.user}"


class IncidentAccess(models.Model):
    """A user named on a restricted incident: they see it although their role does not see
    restricted incidents (docs/permissions.md, rule 12)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="named_access")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="incident_access")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["granted_at", "id"]
        constraints = [models.UniqueConstraint(fields=["incident", "user"], name="incident_access_once_per_user")]

    def __str__(self):
        return f"{self.incident} → {self.user}"


class IncidentDraft(models.Model):
    """What one person typed into the incident form and has not saved yet, kept while they type.

    It may hold a victim's name, so ``content`` (the form's fields as JSON) is sealed with the
    identity vault's key (``common.crypto``), bound to its author and form: a database dump shows
    no text and a draft copied to another row does not open. Only its author ever reads it, on the
    form it was typed into; it is no incident and appears in no list, search or export.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The form it belongs to: "" for a new incident, else the reference of the incident being edited.
    target = models.CharField(max_length=20, blank=True)
    content = models.TextField()  # sealed; "" once the form was saved or the draft discarded
    saved_at = models.DateTimeField()
    # The page the draft was typed on (a random token of the form). A saved or discarded draft
    # keeps its page's token, so that a last autosave of that page arriving late is dropped
    # instead of bringing the draft back.
    form_token = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "target"], name="incident_draft_unique")]

    def __str__(self):
        return f"draft of {self.target or 'a new incident'}"

    def seal_context(self) -> str:
        return f"{self._meta.db_table}.content.{self.user_id}:{self.target}"
