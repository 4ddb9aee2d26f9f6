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
        # Custody events of evidence items (``docs/decisions.md``, 21).
        COLLECT = "collect", "collected"
        UPLOAD = "upload", "stored"
        VIEW = "view", "viewed"
        DOWNLOAD = "download", "downloaded"
        EXPORT = "export", "exported"
        VERIFY = "verify", "verified"
        WITHDRAW = "withdraw", "withdrawn"
        RESTORE = "restore", "restored"
        PURGE = "purge", "erased"

    id = models.BigAutoField(primary_key=True)
    created_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=32, choices=Action.choices)  # "consent_withdrawn" is 17
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


class AuditLeaf(models.Model):
    """The place of an audit entry in the Merkle tree, assigned by the sequencer after commit.

    ``leaf_index`` runs 0, 1, 2... without gaps in the order entries were sequenced (see
    ``svidok.audit.log.sequence``); ``hash`` is SHA-256(0x00 || the entry's payload in UTF-8).
    Append-only: the database refuses UPDATE and DELETE (``svidok.audit.triggers``).
    """

    leaf_index = models.BigIntegerField(primary_key=True)
    entry = models.OneToOneField(AuditEntry, on_delete=models.PROTECT, related_name="leaf")
    hash = models.BinaryField(max_length=32)

    class Meta:
        ordering = ["leaf_index"]

    def __str__(self):
        return f"leaf {self.leaf_index}"

    def save(self, *args, **kwargs):
        if not kwargs.get("force_insert"):
            raise RuntimeError("audit leaves are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("audit leaves are append-only")


class TreeHead(models.Model):
    """A signed tree head as issued: the root of the first ``tree_size`` leaves at ``timestamp``,
    signed by the key ``key_id``. ``timestamp`` is kept as the RFC 3339 text that was signed, so
    the signature can be checked again over the same bytes. Append-only like the log."""

    id = models.BigAutoField(primary_key=True)
    tree_size = models.BigIntegerField()
    root_hash = models.CharField(max_length=64)
    timestamp = models.CharField(max_length=32)
    key_id = models.CharField(max_length=64)
    signature = models.CharField(max_length=100)
    # The RFC 3161 reply (DER TimeStampResp) of a time-stamping authority over the head's canonical
    # JSON, signature included; empty when none is configured or it did not answer.
    tsa_reply = models.BinaryField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return f"head {self.tree_size} at {self.timestamp}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise RuntimeError("tree heads are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("tree heads are append-only")

    def as_dict(self) -> dict:
        return {"tree_size": self.tree_size, "root_hash": self.root_hash, "timestamp": self.timestamp,
                "key_id": self.key_id, "signature": self.signature}
