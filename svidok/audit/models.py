from django.conf import settings
from django.db import models


class AuditEntry(models.Model):
    """One write, recorded in the same transaction as the write itself. Append-only.

    ``id`` is the monotonic sequence number. ``payload`` is the canonical JSON of the entry
    (sorted keys, no spaces, UTF-8) exactly as written, so a later hash chain can be computed over
    the stored bytes without rewriting any entry.
    """

    class Action(models.TextChoices):
        CREATE = "create", "create"
        UPDATE = "update", "update"
        DELETE = "delete", "delete"
        STATUS = "status", "status change"
        LINK = "link", "link"
        UNLINK = "unlink", "unlink"
        IMPORT = "import", "import"
        LOGIN = "login", "sign-in"

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=16, choices=Action.choices)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict)
    request_id = models.CharField(max_length=64, blank=True)
    payload = models.TextField()

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id", "id"])]

    def __str__(self):
        return f"#{self.id} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("audit entries are append-only")
