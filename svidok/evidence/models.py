"""Evidence: files kept byte-exact under their SHA-256, what is known about each, and where it is cited.

A :class:`Blob` is bytes, stored once whatever how often they are uploaded (content-addressed). An
:class:`EvidenceItem` is one act of collecting those bytes: who, when, how, from where, with the
metadata read from the file. The same bytes collected twice are one blob and two items. An
:class:`EvidenceLink` cites an item in an incident or a source, with an exhibit number.

The chain of custody of an item is its audit history (``audit.services.history(item)``): every
collection, upload, view, download, export, verification, withdrawal and purge is an audit entry
on the item, written in the same transaction as what it records, and so a leaf of the
tamper-evident log. There is no second custody table that could disagree with the log.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Blob(models.Model):
    """Bytes in the evidence storage, named by their SHA-256. Never modified; erased only by a purge."""

    sha256 = models.CharField(max_length=64, unique=True)
    size = models.BigIntegerField()
    media_type = models.CharField(max_length=127)  # sniffed from the bytes (libmagic), never the client's word
    storage_name = models.CharField(max_length=300, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    purged_at = models.DateTimeField(null=True, blank=True)  # the bytes were erased; the record and hash stay

    def __str__(self):
        return f"sha256:{self.sha256}"


class EvidenceItem(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("in use")
        WITHDRAWN = "withdrawn", _("withdrawn")
        PURGED = "purged", _("erased (legal takedown)")

    class Method(models.TextChoices):
        UPLOAD = "upload", _("uploaded in the browser")
        API = "api", _("sent through the API")
        COMMAND = "command", _("added at the command line")
        CAPTURE = "capture", _("web page captured by Svidok")
        ARCHIVE = "archive", _("imported web archive")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="items")
    original_name = models.CharField(_("file name"), max_length=255)  # a base name only, never a path
    description = models.TextField(_("description"), blank=True)
    claimed_type = models.CharField(max_length=127, blank=True)  # what the sender said; kept, not trusted
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.TextField(blank=True)
    method = models.CharField(_("how collected"), max_length=16, choices=Method.choices)
    collected_at = models.DateTimeField(_("collected at"), null=True, blank=True)
    collected_by = models.CharField(_("collected by (person)"), max_length=200, blank=True)
    origin = models.CharField(_("original location"), max_length=2000, blank=True)  # URL, device, archive
    metadata = models.JSONField(default=dict, blank=True)  # read from the file, never written into it
    phash = models.CharField(max_length=64, blank=True)  # perceptual hash of an image, for near-duplicates
    thumbnail = models.CharField(max_length=300, blank=True)  # storage name of a safe PNG thumbnail
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["phash"])]

    def __str__(self):
        return self.original_name

    @property
    def public_id(self):
        return str(self.uuid)

    @property
    def audit_repr(self):
        return self.original_name


class EvidenceLink(models.Model):
    """An item cited in an incident or in a source, with what it shows and its exhibit number."""

    item = models.ForeignKey(EvidenceItem, on_delete=models.PROTECT, related_name="links")
    incident = models.ForeignKey("incidents.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="evidence_links")
    source = models.ForeignKey("incidents.Source", null=True, blank=True, on_delete=models.PROTECT, related_name="evidence_links")
    description = models.TextField(_("what it shows"), blank=True)
    exhibit = models.CharField(_("exhibit number"), max_length=32, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["exhibit", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(incident__isnull=False, source__isnull=True) | Q(incident__isnull=True, source__isnull=False),
                                   name="evidence_link_one_target"),
            models.UniqueConstraint(fields=["item", "incident"], condition=Q(incident__isnull=False), name="evidence_link_once_per_incident"),
            models.UniqueConstraint(fields=["item", "source"], condition=Q(source__isnull=False), name="evidence_link_once_per_source"),
            # One exhibit number names one item within an incident (two uploads at once cannot both take E-7).
            models.UniqueConstraint(fields=["incident", "exhibit"], condition=Q(incident__isnull=False) & ~Q(exhibit=""),
                                    name="evidence_exhibit_once_per_incident"),
        ]

    def __str__(self):
        return self.exhibit or self.item.original_name


class Capture(models.Model):
    """A request to capture a web page, and how it went. The web capture task (``evidence.tasks``)
    moves it from queued to running to done (with the items it stored) or failed (with a reason)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("capturing")
        DONE = "done", _("captured")
        FAILED = "failed", _("failed")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    url = models.CharField(_("address"), max_length=2000)
    incident = models.ForeignKey("incidents.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="captures")
    source = models.ForeignKey("incidents.Source", null=True, blank=True, on_delete=models.PROTECT, related_name="captures")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    reason = models.JSONField(default=dict, blank=True)  # why it failed: {"code": ..., params}; read by capture.reason_text
    notes = models.JSONField(default=list, blank=True)  # what is missing from a done capture, same shape
    final_url = models.CharField(max_length=2000, blank=True)  # after redirects
    http_status = models.IntegerField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    items = models.ManyToManyField(EvidenceItem, blank=True, related_name="captures")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.url

    @property
    def public_id(self):
        return str(self.uuid)

    @property
    def audit_repr(self):
        return self.url[:300]
