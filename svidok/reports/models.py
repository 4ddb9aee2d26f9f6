"""Periodic reports made by the background worker (``periodic.py``, ``runs.py``)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportRun(models.Model):
    """One periodic report asked for on the "Periodic reports" page and made by the worker.

    ``options`` holds what the report covers as the command line takes it (``election``: the
    election's public id; ``date_from``/``date_to``: ISO dates; ``place``: a KATOTTG code), so
    that the page, the command and the job read one scope. The file lives under
    ``VAR_DIR/reports/`` while the run exists; ``file_name`` is what the download is called (by
    period and language, never by id). ``progress``/``total`` count incidents written."""

    class Format(models.TextChoices):
        PDF = "pdf", "PDF"
        HTML = "html", "HTML"
        DOCX = "docx", _("Word document")

    class Purpose(models.TextChoices):
        INTERNAL = "internal", _("internal use")
        PUBLICATION = "publication", _("publication")

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("being written")
        DONE = "done", _("ready")
        FAILED = "failed", _("not made")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("requested by"))
    options = models.JSONField(default=dict, blank=True)
    language = models.CharField(_("language"), max_length=16, default="en")
    format = models.CharField(_("format"), max_length=8, choices=Format.choices, default=Format.PDF)
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices, default=Purpose.INTERNAL)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(null=True, blank=True)
    # What the run is about, in the requester's words at the time (for the list): "2024 presidential election, Crimea".
    label = models.CharField(_("report"), max_length=300, blank=True)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    # Why the run stopped ({"code": "unexpected" | "interrupted" | "not_allowed" | "scope"}).
    reason = models.JSONField(default=dict, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["requested_by", "created_at"], name="reportrun_requester")]

    def __str__(self):
        return self.label or self.file_name

    @property
    def public_id(self):
        return str(self.uuid)

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.progress / self.total)) if self.total else 0
