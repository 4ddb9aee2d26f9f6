"""Daily work on the records: who is assigned what, comments, notifications, saved searches.

An assignment, a comment and a notification each concern one record: an incident or a sanctions
proposal (exactly one of the two foreign keys is set, a database constraint says so).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

ONE_RECORD = Q(incident__isnull=False, proposal__isnull=True) | Q(incident__isnull=True, proposal__isnull=False)


class Assignment(models.Model):
    """The member working on a record now; one per record. Its history is in the record's audit log."""

    incident = models.OneToOneField("incidents.Incident", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    proposal = models.OneToOneField("sanctions.Proposal", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments",
                                 verbose_name=_("assigned to"))
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-assigned_at", "id"]
        constraints = [models.CheckConstraint(condition=ONE_RECORD, name="assignment_one_record")]

    def __str__(self):
        return f"{self.record} → {self.assignee}"

    @property
    def record(self):
        return self.incident or self.proposal


class Comment(models.Model):
    """A comment on a record. Stored as written, like a narrative (docs/decisions.md, "comments"):
    shown through the free-text reader, so a protected person's name reads as the pseudonym."""

    audit_type = "work.comment"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    incident = models.ForeignKey("incidents.Incident", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    proposal = models.ForeignKey("sanctions.Proposal", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"), max_length=5000)
    mentioned = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=ONE_RECORD, name="comment_one_record")]

    def __str__(self):
        # Never the body: it may name a protected person (it is read through the free-text reader).
        return f"{self.author} {self.created_at:%Y-%m-%d %H:%M}" if self.created_at else str(self.author)

    @property
    def public_id(self):
        return str(self.uuid)


class Notification(models.Model):
    """Something that happened to a record that concerns ``recipient``. The text is composed when it
    is shown, in the reader's language; it names no one but the actor and the record."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("assigned to you")
        MENTIONED = "mentioned", _("mentioned you")
        COMMENTED = "commented", _("commented on a record assigned to you")
        STATUS = "status", _("changed the status of your incident")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    incident = models.ForeignKey("incidents.Incident", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    proposal = models.ForeignKey("sanctions.Proposal", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, blank=True)  # the new status, for STATUS
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]
        constraints = [models.CheckConstraint(condition=ONE_RECORD, name="notification_one_record")]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient}"

    @property
    def record(self):
        return self.incident or self.proposal


class SavedSearch(models.Model):
    """A filter of the incident list (its query string) kept under a name, for one user."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches")
    name = models.CharField(_("name"), max_length=100)
    query = models.CharField(_("filter"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    audit_type = "work.savedsearch"

    class Meta:
        ordering = ["name", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="savedsearch_unique_name")]

    def __str__(self):
        return self.name

    @property
    def public_id(self):
        return str(self.uuid)
