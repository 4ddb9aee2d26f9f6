"""Sanctions: reference lists imported for cross-checking, and the proposals Svidok makes.

These models moved here from the people app; their tables and their audit object types keep the
people app's names (``db_table``, ``audit_type``) so that existing databases and the audit history
of every proposal stay as they were (docs/decisions.md).
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from svidok.people.models import Occupancy, Organization, Person


class ReferenceList(models.Model):
    """An existing list imported for cross-checking (a sanctions list, another registry), kept apart
    from Svidok's own records: its entities are never persons of the registry."""

    audit_type = "people.referencelist"

    class Format(models.TextChoices):
        FTM = "ftm", "FollowTheMoney JSON lines"
        EU_269_CSV = "eu-269-csv", "EU Regulation 269/2014 annex (CSV)"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.SlugField(_("name"), max_length=100, unique=True, help_text="short name used on the command line, e.g. eu-269")
    title = models.CharField(_("title"), max_length=300, blank=True)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True, help_text="e.g. Council of the EU")
    jurisdiction = models.CharField(_("jurisdiction"), max_length=16, blank=True, help_text="eu, uk, us, ua, other")
    format = models.CharField(max_length=16, choices=Format.choices)
    source_name = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(max_length=64)
    entity_count = models.PositiveIntegerField(default=0)
    imported_at = models.DateTimeField()
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        db_table = "people_referencelist"
        ordering = ["name"]

    def __str__(self):
        return self.title or self.name

    @property
    def public_id(self):
        return str(self.uuid)


class ReferenceEntity(models.Model):
    """One entry of a reference list, as the list has it (FollowTheMoney schema and properties)."""

    audit_type = "people.referenceentity"

    reference_list = models.ForeignKey(ReferenceList, on_delete=models.CASCADE, related_name="entities")
    record_id = models.CharField(_("the list's own id"), max_length=200)
    schema = models.CharField(max_length=40, help_text="FollowTheMoney schema: Person, Organization, LegalEntity, ...")
    caption = models.CharField(max_length=500)
    names = models.JSONField(default=list, help_text="every name and alias the list gives")
    properties = models.JSONField(default=dict, help_text="FollowTheMoney properties {prop: [values]}")
    listed_since = models.DateField(null=True, blank=True)
    program = models.CharField(max_length=200, blank=True)

    class Meta:
        db_table = "people_referenceentity"
        ordering = ["reference_list", "record_id"]
        constraints = [
            models.UniqueConstraint(fields=["reference_list", "record_id"], name="referenceentity_unique_record"),
        ]

    def __str__(self):
        return self.caption


class Proposal(models.Model):
    """A sanctions proposal: a named list of persons and organizations, each with its grounds."""

    audit_type = "people.proposal"

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        IN_REVIEW = "in_review", _("in review")
        SIGNED_OFF = "signed_off", _("signed off")
        SUBMITTED = "submitted", _("submitted")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    signed_off_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "people_proposal"
        ordering = ["-created_at"]

    def __str__(self):
        return self.title

    @property
    def public_id(self):
        return str(self.uuid)


class ProposalMember(models.Model):
    """One person or organization on a proposal, with the grounds: posts held, incidents, evidence."""

    audit_type = "people.proposalmember"

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="members")
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="proposals")
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="proposals")
    grounds = models.TextField(_("grounds"), blank=True, help_text=_("the statement of reasons, in the proposal's words"))
    occupancies = models.ManyToManyField(Occupancy, blank=True, related_name="+")
    incidents = models.ManyToManyField("incidents.Incident", blank=True, related_name="+")
    sources = models.ManyToManyField("incidents.Source", blank=True, related_name="+")
    order = models.PositiveIntegerField(default=0)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_note = models.TextField(blank=True)

    class Meta:
        db_table = "people_proposalmember"
        ordering = ["proposal", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, organization__isnull=True) | Q(person__isnull=True, organization__isnull=False),
                name="proposalmember_person_xor_organization",
            ),
            models.UniqueConstraint(fields=["proposal", "person"], name="proposalmember_unique_person"),
            models.UniqueConstraint(fields=["proposal", "organization"], name="proposalmember_unique_organization"),
        ]

    def __str__(self):
        return str(self.person or self.organization)

    @property
    def public_id(self):
        return str(self.uuid)


class Listing(models.Model):
    """Where a proposal member stands in one jurisdiction; the listing date and the legal act kept apart."""

    audit_type = "people.listing"

    class Jurisdiction(models.TextChoices):
        EU = "eu", _("European Union")
        UK = "uk", _("United Kingdom")
        US = "us", _("United States")
        UA = "ua", _("Ukraine")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("proposed")
        SUBMITTED = "submitted", _("submitted")
        LISTED = "listed", _("listed")
        DELISTED = "delisted", _("delisted")
        REFUSED = "refused", _("refused")

    member = models.ForeignKey(ProposalMember, on_delete=models.CASCADE, related_name="listings")
    jurisdiction = models.CharField(_("jurisdiction"), max_length=8, choices=Jurisdiction.choices)
    jurisdiction_other = models.CharField(_("other jurisdiction"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PROPOSED)
    date = models.DateField(_("date"), null=True, blank=True, help_text=_("of the status: submission, listing, delisting"))
    legal_act = models.CharField(_("legal act"), max_length=300, blank=True,
                                 help_text=_("e.g. Council Implementing Regulation (EU) 2018/705"))
    reference_entity = models.ForeignKey(ReferenceEntity, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source = models.ForeignKey("incidents.Source", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)

    class Meta:
        db_table = "people_listing"
        ordering = ["member", "jurisdiction"]
        constraints = [
            models.UniqueConstraint(fields=["member", "jurisdiction", "jurisdiction_other"], name="listing_one_per_jurisdiction"),
        ]

    def __str__(self):
        return f"{self.jurisdiction}: {self.status}"
