"""Official precinct results attached to an Election, and the analyses run on them."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ResultSet(models.Model):
    """One imported file of official precinct results (protocols) of an election.

    The file itself is not kept: its SHA-256, size and name identify it, so anyone holding the
    published file can check that these are its numbers. An election may have several result
    sets (a corrected re-publication, another scrape); each is analysed on its own.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    election = models.ForeignKey("incidents.Election", on_delete=models.PROTECT, related_name="result_sets")
    label = models.CharField(_("label"), max_length=200, blank=True)
    source_name = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.BigIntegerField(_("size (bytes)"))
    mapping = models.JSONField(default=dict, help_text="header of the file holding each field; candidates; leader")
    candidates = models.JSONField(default=list)
    leader = models.CharField(_("leader"), max_length=300)
    precinct_count = models.PositiveIntegerField(default=0)
    flag_counts = models.JSONField(default=dict)
    imported_at = models.DateTimeField()
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ["election", "-imported_at"]
        constraints = [models.UniqueConstraint(fields=["election", "sha256"], name="forensics_resultset_unique_file")]

    def __str__(self):
        return self.label or self.source_name

    @property
    def public_id(self):
        return str(self.uuid)

    @property
    def flagged_count(self) -> int:
        return self.precincts.exclude(flags="").count()


class Precinct(models.Model):
    """One precinct's protocol, as published; numbers are NULL where the file had no value."""

    # No index of its own: the (result_set, region, tik) index serves lookups by result set, and each
    # index less saves ~10% of an import's insert time.
    result_set = models.ForeignKey(ResultSet, on_delete=models.CASCADE, related_name="precincts", db_index=False)
    line = models.PositiveIntegerField(help_text="line of the source file")
    region = models.CharField(max_length=200)
    oik = models.CharField(max_length=300, blank=True)
    tik = models.CharField(max_length=300, blank=True)
    uik = models.CharField(max_length=100)
    uik_number = models.IntegerField(help_text="the number in uik; -1 when it has none")
    registered = models.IntegerField(null=True)
    ballots_received = models.IntegerField(null=True)
    issued_early = models.IntegerField(null=True)
    issued_station = models.IntegerField(null=True)
    issued_outside = models.IntegerField(null=True)
    cancelled = models.IntegerField(null=True)
    portable_box = models.IntegerField(null=True)
    stationary_box = models.IntegerField(null=True)
    invalid = models.IntegerField(null=True)
    valid = models.IntegerField(null=True)
    lost = models.IntegerField(null=True)
    unaccounted = models.IntegerField(null=True)
    votes = models.JSONField(default=list, help_text="votes per candidate, in the order of the result set's candidates")
    url = models.TextField(blank=True)
    flags = models.CharField(max_length=200, blank=True, help_text="comma-separated validation flags")

    class Meta:
        ordering = ["result_set", "line"]
        indexes = [
            models.Index(fields=["result_set", "region", "tik"], name="forensics_precinct_scope"),
        ]

    def __str__(self):
        return f"{self.region} / {self.tik} / {self.uik}"

    @property
    def flag_list(self) -> list[str]:
        return self.flags.split(",") if self.flags else []



class Analysis(models.Model):
    """A saved run of the analyses on (part of) a result set: inputs, seed and output, reproducible."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    result_set = models.ForeignKey(ResultSet, on_delete=models.CASCADE, related_name="analyses")
    region = models.CharField(_("region"), max_length=200, blank=True)
    tik = models.CharField(_("territorial commission"), max_length=300, blank=True)
    params = models.JSONField(default=dict)
    result = models.JSONField(default=dict)
    version = models.CharField(max_length=20, help_text="version of the analysis code (output format)")
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.result_set} {self.scope_label}"

    @property
    def public_id(self):
        return str(self.uuid)

    @property
    def scope_label(self) -> str:
        return " / ".join(x for x in (self.region, self.tik) if x) or str(_("whole file"))

    @property
    def reader_scope_label(self) -> str:
        """The scope with the region in the reader's language (pages); ``scope_label`` keeps the
        file's own name for the audit log and exports."""
        from svidok.forensics.regions import region_label

        return " / ".join(x for x in (region_label(self.region), self.tik) if x) or str(_("whole file"))
