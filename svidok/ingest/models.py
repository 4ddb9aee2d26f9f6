"""Articles read from the news (issue 12, docs/news.md).

An article is kept with an incidents ``Source``: the source holds what every source has (title,
outlet as publisher, address, publication date, language), the article holds what only a read
article has: its text for reviewers, the text's SHA-256, and the article it repeats.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Article(models.Model):
    """The text of one article, read once (the same text is never stored twice: ``text_sha256``
    is unique). A reprint by another outlet, or the same article fetched again with small edits
    or cut short, is stored as its own article pointing at the first (``duplicate_of``), so its
    outlet and address are kept but later stages read the first only."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    source = models.OneToOneField("incidents.Source", on_delete=models.PROTECT, related_name="article")
    text = models.TextField(_("text"))
    text_sha256 = models.CharField(_("text SHA-256"), max_length=64, unique=True)
    duplicate_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates",
                                     verbose_name=_("near-duplicate of"))
    # Share of the shorter text's five-word runs found in the other (reading.resemblance).
    resemblance = models.FloatField(_("resemblance"), null=True, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(duplicate_of__isnull=True) | ~models.Q(duplicate_of=models.F("pk")),
                                   name="article_not_duplicate_of_itself"),
        ]

    def __str__(self):
        return self.source.title

    @property
    def public_id(self):
        return str(self.uuid)

    @property
    def title(self):
        return self.source.title

    @property
    def outlet(self):
        return self.source.publisher

    @property
    def url(self):
        return self.source.url

    @property
    def published_on(self):
        return self.source.published_on

    @property
    def language(self):
        return self.source.language


class Candidate(models.Model):
    """An incident that extraction proposes from an article, waiting for a documenter: accepted
    (a draft incident citing the article is created), merged into an incident already recorded,
    or rejected with a reason. Its fields are what extraction read, as corrected by the reviewer
    before deciding; ``proposed`` keeps what extraction first said, so accept and reject rates can
    be measured per incident type and the lexicon improved where it errs."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for review")
        ACCEPTED = "accepted", _("accepted")
        MERGED = "merged", _("merged into an incident")
        REJECTED = "rejected", _("rejected")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="candidates", verbose_name=_("article"))
    position = models.PositiveIntegerField(_("order in the article"), default=0)
    type = models.ForeignKey("incidents.Term", on_delete=models.PROTECT, related_name="+", verbose_name=_("type"))
    date_start = models.DateField(_("date"), null=True, blank=True)
    date_precision = models.CharField(_("date precision"), max_length=12, blank=True)
    place = models.ForeignKey("incidents.Place", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("place"))
    place_as_written = models.CharField(_("place as written"), max_length=300, blank=True)
    # Parties as the article names them: lists of strings; perpetrators as objects
    # {"as_written", "kind", "match": {"name", "list", "score", "id"} | null}.
    victims = models.JSONField(_("victims"), default=list, blank=True)
    victim_count = models.PositiveIntegerField(_("number of victims"), null=True, blank=True)
    perpetrators = models.JSONField(_("perpetrators"), default=list, blank=True)
    reported_by = models.JSONField(_("reported by"), default=list, blank=True)
    evidence_quote = models.TextField(_("evidence sentence"))
    quote_start = models.PositiveIntegerField(null=True, blank=True)
    quote_end = models.PositiveIntegerField(null=True, blank=True)
    confidence = models.FloatField(_("confidence"))
    # What extraction proposed, before any correction (the JSON of ``svidok news extract``), and
    # the lexicon version that proposed it.
    proposed = models.JSONField(default=dict)
    lexicon_version = models.CharField(max_length=40, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.TextField(_("reason"), blank=True)
    incident = models.ForeignKey("incidents.Incident", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="news_candidates", verbose_name=_("incident"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["article_id", "position"]
        indexes = [models.Index(fields=["status", "created_at"], name="candidate_status_created")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(status="rejected") | ~models.Q(reason=""), name="candidate_rejected_has_reason"),
            models.CheckConstraint(condition=models.Q(status__in=["pending", "rejected"]) | models.Q(incident__isnull=False),
                                   name="candidate_decided_has_incident"),
        ]

    def __str__(self):
        return self.evidence_quote[:80]

    @property
    def public_id(self):
        return str(self.uuid)


class FetchRun(models.Model):
    """Addresses of pages and feeds someone asked Svidok to read, fetched by a background task
    (``services.run_fetch``), and what became of each: ``items`` holds one entry per address read,
    ``{"url", "outcome", "reason", "article", "title", "original", "original_title", "resemblance"}``
    with ``outcome`` one of ``Outcome`` and ``reason`` a refusal (``fetching.reason_text``)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("reading")
        DONE = "done", _("finished")
        FAILED = "failed", _("stopped")

    class Outcome(models.TextChoices):
        STORED = "stored", _("stored")
        LINKED = "linked", _("stored as a near-duplicate")
        ALREADY = "already", _("already stored")
        REFUSED = "refused", _("refused")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("asked by"))
    pages = models.JSONField(_("pages"), default=list, blank=True)
    feeds = models.JSONField(_("feeds"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    items = models.JSONField(_("items"), default=list, blank=True)
    stored = models.PositiveIntegerField(_("stored"), default=0)
    linked = models.PositiveIntegerField(_("stored as near-duplicates"), default=0)
    already = models.PositiveIntegerField(_("already stored"), default=0)
    refused = models.PositiveIntegerField(_("refused"), default=0)
    # Why the whole run stopped, if it did ({"code": ...}, as a refusal's reason).
    reason = models.JSONField(default=dict, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["requested_by", "created_at"], name="fetchrun_requester_created")]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} ({len(self.pages) + len(self.feeds)})"

    @property
    def public_id(self):
        return str(self.uuid)

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class ImportRun(models.Model):
    """A file uploaded on the "Imports" page (incidents, a reference list, election results) and
    its import by the worker (``data_imports.run_import``), through the same use case as the
    command line. All or nothing as there: a failed run changed nothing. The uploaded file lives
    under ``SVIDOK_IMPORT_UPLOAD_DIR`` only until the run ends (done or failed); its name, size and
    SHA-256 stay here and in the audit log.

    ``progress``/``total`` count what the importer reports (rows checked, then rows written);
    ``errors`` holds the importer's own problems per interface language,
    ``{"en": [{"line", "field", "message"}, ...], "uk": [...]}``; ``counts`` what was created."""

    class Kind(models.TextChoices):
        INCIDENTS = "incidents", _("Incidents")
        REFERENCE_LIST = "reference_list", _("Reference list (sanctions list)")
        RESULTS = "results", _("Election results")

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("importing")
        DONE = "done", _("imported")
        FAILED = "failed", _("not imported")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("imported by"))
    file_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField("SHA-256", max_length=64)
    # What the kind needs besides the file: the list's name and title, the election's public id.
    options = models.JSONField(default=dict, blank=True)
    # The uploader's interface language: the run writes its messages in it first.
    language = models.CharField(max_length=16, default="en")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    errors = models.JSONField(default=dict, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    # What the import made, for links: {"list": name} or {"result_set": public id} or {"references": n}.
    result = models.JSONField(default=dict, blank=True)
    # Why the whole run stopped without the importer's own errors ({"code": "unexpected" | "interrupted"}).
    reason = models.JSONField(default=dict, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_at"], name="importrun_created")]

    def __str__(self):
        return self.file_name

    @property
    def public_id(self):
        return str(self.uuid)

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
