"""Persons and organizations, their names in several scripts, and the posts they held."""

import datetime as dt
import uuid

from django import forms
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from svidok.common import crypto

# Involvement roles whose persons are protected (shown by pseudonym) unless somebody decides otherwise.
PROTECTED_ROLES = frozenset({"victim", "witness"})


class Person(models.Model):
    """A natural person. Protected persons (victims, witnesses) are shown by ``pseudonym``.

    Everything that identifies a person lives in :class:`PersonIdentity`, so that it can be
    encrypted at rest as one unit without touching the rest of the model.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    protected = models.BooleanField(_("protected identity"), default=False)
    pseudonym = models.CharField(_("pseudonym"), max_length=100, blank=True)
    # The display name shown to everybody: the pseudonym for protected persons, otherwise the
    # primary name. Kept in step by the services; never holds a protected person's real name.
    display_name = models.CharField(max_length=300)
    gender = models.CharField(_("gender"), max_length=16, blank=True)
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # Deduplication links records, it never deletes one: a record judged the same as another points
    # to the canonical record here and keeps everything it had (names, involvements, sources).
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_records")

    class Meta:
        ordering = ["display_name"]
        constraints = [
            models.CheckConstraint(condition=Q(protected=False) | ~Q(pseudonym=""), name="person_protected_has_pseudonym"),
            models.CheckConstraint(condition=~Q(merged_into=models.F("id")), name="person_not_merged_into_itself"),
        ]

    def __str__(self):
        return self.display_name

    @property
    def public_id(self):
        return str(self.uuid)

    @property
    def audit_repr(self):
        # The audit log is append-only: a name written there now would stay if the person is
        # protected later. A person is labelled by the pseudonym, or a piece of the record's UUID.
        return self.pseudonym or f"person {str(self.uuid)[:8]}"


class SealedField(models.TextField):
    """A text or date value kept sealed in the database (``svidok.common.crypto``).

    The column holds the sealed text; the model's attribute holds the value. Sealing happens on
    save (``pre_save`` knows the row), opening when a row is loaded (:meth:`SealedModel.from_db`),
    because the sealed text is bound to its row and ``from_db_value`` does not know the row.
    ``values()``/``values_list()`` therefore give sealed text: read these fields through instances.
    """

    def __init__(self, *args, value_type: str = "text", **kwargs):
        self.value_type = value_type
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.value_type != "text":
            kwargs["value_type"] = self.value_type
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if isinstance(value, dt.date):
            value = value.isoformat()
        return crypto.seal(value, model_instance.seal_context(self.column))

    def open(self, token, context):
        value = crypto.open_sealed(token, context)
        if self.value_type == "date" and value:
            return dt.date.fromisoformat(value)
        return value

    def formfield(self, **kwargs):
        if self.value_type == "date":
            return forms.DateField(**{"required": not self.blank, "label": self.verbose_name, **kwargs})
        return super().formfield(**kwargs)


class SealedModel(models.Model):
    """A model with :class:`SealedField` columns, opened as rows are loaded."""

    class Meta:
        abstract = True

    def seal_context(self, column: str) -> str:
        return f"{self._meta.db_table}.{column}.{self.seal_row()}"

    def seal_row(self) -> str:
        raise NotImplementedError

    @classmethod
    def sealed_fields(cls) -> list[SealedField]:
        return [f for f in cls._meta.concrete_fields if isinstance(f, SealedField)]

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        for sealed in cls.sealed_fields():
            if sealed.attname in instance.__dict__:
                value = instance.__dict__[sealed.attname]
                instance.__dict__[sealed.attname] = sealed.open(value, instance.seal_context(sealed.column))
        return instance


class PersonIdentity(SealedModel):
    """The identifying fields of a person, kept together (names, contacts, identifiers, notes).

    Every value is sealed at rest, bound to the person's row (``docs/identity-vault.md``).
    """

    IDENTITY_FIELDS = ("full_name", "other_names", "birth_date", "contacts", "identifiers", "address", "notes")

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="identity")
    full_name = SealedField(_("full name"), blank=True)
    other_names = SealedField(_("other names"), blank=True)
    birth_date = SealedField(_("birth date"), null=True, blank=True, value_type="date")
    contacts = SealedField(_("contacts"), blank=True)
    identifiers = SealedField(_("identifiers"), blank=True, help_text=_("passport, tax number, ..."))
    address = SealedField(_("address"), blank=True)
    notes = SealedField(_("identity notes"), blank=True)

    def __str__(self):
        return f"identity of {self.person_id}"

    def seal_row(self) -> str:
        return str(self.person_id)


class IdentityChange(SealedModel):
    """The identity's own history: who changed which identity fields when, the values sealed.

    The audit log says only that the identity changed (it is append-only and readable by many);
    this row keeps the rest, readable by those allowed ``person.identity``.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identity_changes")
    changed_at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(max_length=150)
    # The names of the fields that changed, "full_name,contacts": sealed too (that an address was
    # added says something).
    fields = SealedField()
    # JSON {field: [before, after]}.
    values = SealedField(blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self):
        return f"identity change of {self.person_id}"

    def field_labels(self) -> list[str]:
        """The changed fields' labels (translated), for the person page."""
        names = [n for n in self.fields.split(",") if n]
        return [str(PersonIdentity._meta.get_field(n).verbose_name) for n in names if n in PersonIdentity.IDENTITY_FIELDS]

    def seal_row(self) -> str:
        return str(self.uuid)


class IdentityReveal(SealedModel):
    """One deliberate look at a protected person's identity: who, when and why.

    Seeing a protected identity is an action with a reason, never a page load (docs/permissions.md,
    rule 6). The audit log records that it happened; the reason is kept here, sealed, because a
    reason may name people. The person's page lists these rows to those who may see identities.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identity_reveals")
    revealed_at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    actor_label = models.CharField(max_length=150)
    reason = SealedField()

    class Meta:
        ordering = ["-revealed_at", "-id"]

    def __str__(self):
        return f"identity reveal of {self.person_id}"

    def seal_row(self) -> str:
        return str(self.uuid)


class Consent(SealedModel):
    """What a protected person agreed to, for one purpose: litigation, sharing with one named
    partner, or publication; when and how it was obtained, and its withdrawal (``people.consent``).

    A consent is never edited or deleted: a withdrawal is recorded on it, and a new consent is a
    new row. The notes are sealed (they may name the person or the interviewer's contacts).
    """

    class Purpose(models.TextChoices):
        LITIGATION = "litigation", _("litigation")
        PARTNER = "partner", _("sharing with a named partner")
        PUBLICATION = "publication", _("publication")

    class Method(models.TextChoices):
        WRITTEN = "written", _("signed in writing")
        RECORDED = "recorded", _("given orally, recorded")
        WITNESSED = "witnessed", _("given orally before a witness")
        MESSAGE = "message", _("given by secure message")
        REPRESENTATIVE = "representative", _("given through a lawyer or representative")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    # The partner the person agreed to share with, as the organisation calls it ("Office of the
    # Prosecutor General of Ukraine"); blank unless the purpose is PARTNER.
    partner = models.CharField(_("partner"), max_length=200, blank=True)
    given_on = models.DateField(_("given on"))
    method = models.CharField(_("how it was obtained"), max_length=16, choices=Method.choices)
    note = SealedField(_("note"), blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    withdrawn_on = models.DateField(_("withdrawn on"), null=True, blank=True)
    withdrawal_method = models.CharField(_("how it was withdrawn"), max_length=16, choices=Method.choices, blank=True)
    withdrawal_note = SealedField(_("withdrawal note"), blank=True)
    withdrawal_recorded_at = models.DateTimeField(null=True, blank=True)
    withdrawal_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                               on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-given_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=(Q(purpose="partner") & ~Q(partner="")) | (~Q(purpose="partner") & Q(partner="")),
                                    name="consent_partner_only_for_sharing"),
            models.CheckConstraint(condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=models.F("given_on")),
                                   name="consent_withdrawn_after_given"),
        ]

    def __str__(self):
        return f"consent of {self.person_id} for {self.purpose}"

    def seal_row(self) -> str:
        return str(self.uuid)

    @property
    def public_id(self):
        return str(self.uuid)

    def in_force(self, on: dt.date) -> bool:
        """Given on or before ``on`` and not withdrawn by then."""
        return self.given_on <= on and (self.withdrawn_on is None or self.withdrawn_on > on)


class PersonNameKey(models.Model):
    """The blind index of protected persons' names: HMAC-SHA256 of every search key of every
    spelling (``people.vault``), under the identity key ``kid``. Exact lookup only."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    kid = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["person", "kid", "digest"], name="personnamekey_unique")]

    def __str__(self):
        return f"name key of {self.person_id}"


class Organization(models.Model):
    """A body: election commission, occupation administration, employer, police unit, NGO..."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=500)
    kind = models.ForeignKey(
        "incidents.Term", verbose_name=_("type"), null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        limit_choices_to={"vocabulary__code": "perpetrator_type"},
    )
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    place = models.ForeignKey("incidents.Place", verbose_name=_("place"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    description = models.TextField(_("description"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def public_id(self):
        return str(self.uuid)

    @property
    def display_name(self):
        return self.name

    @property
    def reader_name(self) -> str:
        """The name in the reader's language when a variant in it is recorded (docs/names.md, "Places
        and organizations in the reader's language"). English readers get the record's name, unless it
        is not in Latin letters and an English variant exists; others a variant in their language
        (official first), else the Ukrainian one, else the Russian one, else the record's name.
        Reads ``names.all()``: prefetch ``names`` on lists."""
        lang = (get_language() or "en").split("-")[0]
        variants = list(self.names.all())
        if lang == "en":
            if _latin(self.name):
                return self.name
            order = ("en",)
        else:
            order = (lang, "uk", "ru")
        for want in dict.fromkeys(order):
            found = [v for v in variants if v.lang == want]
            if found:
                found.sort(key=lambda v: (v.kind != NameVariant.Kind.OFFICIAL, not v.primary))
                return found[0].name
        return self.name

    @property
    def audit_repr(self):
        return self.name


class NameVariant(models.Model):
    """One spelling of a person's or organization's name, with language, script, kind and origin.

    Protected persons have no variants here: their names stay in :class:`PersonIdentity`.
    """

    class Kind(models.TextChoices):
        OFFICIAL = "official", _("official")
        TRANSLITERATION = "transliteration", _("transliteration")
        PRESS = "press", _("as in the press")
        ALIAS = "alias", _("alias")

    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.CASCADE, related_name="names")
    organization = models.ForeignKey(Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(_("name"), max_length=500)
    # The value exactly as entered or imported, when ``name`` differs from it (homoglyphs repaired:
    # a Latin "i" inside a Cyrillic word, a Cyrillic "о" inside a Latin one).
    raw = models.CharField(_("as entered"), max_length=500, blank=True)
    # Generated match keys: the standard romanizations of a Cyrillic name {scheme: value}
    # (uk_national_2010, uk_passport, ru_icao_9303, ru_bgn_pcgn, ru_gost_7_79, crh_latin, ...).
    keys = models.JSONField(default=dict, blank=True)
    lang = models.CharField(_("language"), max_length=8, blank=True)
    script = models.CharField(_("script"), max_length=4, blank=True, help_text="ISO 15924: Cyrl, Latn")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OFFICIAL)
    origin = models.CharField(_("origin"), max_length=300, blank=True)
    primary = models.BooleanField(default=False)

    class Meta:
        ordering = ["-primary", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False, organization__isnull=True) | Q(person__isnull=True, organization__isnull=False),
                name="namevariant_person_xor_organization",
            )
        ]

    def __str__(self):
        return self.name


class Position(models.Model):
    """A post in an organization: chair of a commission, head of an administration, director..."""

    class Kind(models.TextChoices):
        CHAIR = "chair", _("chair")
        DEPUTY_CHAIR = "deputy_chair", _("deputy chair")
        SECRETARY = "secretary", _("secretary")
        MEMBER = "member", _("member")
        HEAD = "head", _("head")
        DIRECTOR = "director", _("director")
        OFFICER = "officer", _("officer")
        OTHER = "other", _("other")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=300)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.OTHER)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="positions")

    class Meta:
        ordering = ["organization", "title"]

    def __str__(self):
        return self.title

    @property
    def public_id(self):
        return str(self.uuid)


class Occupancy(models.Model):
    """Who held a position, from when to when, and on what source."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="occupancies")
    position = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="occupancies")
    start_date = models.DateField(_("from"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)
    source = models.ForeignKey("incidents.Source", null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-start_date"]
        verbose_name_plural = "occupancies"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(start_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="occupancy_dates_ordered",
            )
        ]

    def __str__(self):
        return f"{self.person} — {self.position}"


class PairJudgement(models.Model):
    """A coordinator's verdict on a pair of person records proposed as possible duplicates.

    "same" links one record to the other (``Person.merged_into``); "different" is remembered so the
    pair is never proposed again; "unsure" is kept for a second look. Each judgement records the
    matcher, its version, the score and the threshold that proposed the pair. Undoing a judgement
    keeps it (with ``undone_at``) and removes the link it made.
    """

    class Verdict(models.TextChoices):
        SAME = "same", _("same person")
        DIFFERENT = "different", _("different persons")
        UNSURE = "unsure", _("unsure")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # left.pk < right.pk: one row per unordered pair.
    left = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    right = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    canonical = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  help_text="for 'same': the record the other was linked to")
    linked = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               help_text="for 'same': the record that now points to the canonical one")
    matcher = models.CharField(max_length=100, blank=True)
    matcher_version = models.CharField(max_length=50, blank=True)
    score = models.FloatField(null=True, blank=True)
    threshold = models.FloatField(null=True, blank=True)
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    undone_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-decided_at"]
        constraints = [
            models.CheckConstraint(condition=Q(left__lt=models.F("right")), name="pairjudgement_ordered_pair"),
            models.UniqueConstraint(fields=["left", "right"], condition=Q(undone_at__isnull=True),
                                    name="pairjudgement_one_standing_verdict"),
        ]

    def __str__(self):
        return f"{self.left_id}-{self.right_id}: {self.verdict}"

    @property
    def public_id(self):
        return str(self.uuid)


class DuplicateCandidate(models.Model):
    """A pair of person records the duplicate finder proposes for a coordinator's verdict.

    Written by a finder run (all or nothing, replacing the previous run's open proposals); a pair
    with a standing verdict (PairJudgement) is never proposed again.
    """

    left = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    right = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    matcher = models.CharField(max_length=100)
    matcher_version = models.CharField(max_length=50)
    threshold = models.FloatField()
    explanation = models.JSONField(default=dict, blank=True)
    found_at = models.DateTimeField()

    class Meta:
        ordering = ["-score", "left", "right"]
        constraints = [
            models.CheckConstraint(condition=Q(left__lt=models.F("right")), name="duplicatecandidate_ordered_pair"),
            models.UniqueConstraint(fields=["left", "right"], name="duplicatecandidate_unique_pair"),
        ]

    def __str__(self):
        return f"{self.left_id}-{self.right_id} ({self.score:.2f})"


def _latin(text: str) -> bool:
    """Whether a name is written in Latin letters (no Cyrillic letter in it)."""
    return not any("\u0400" <= ch <= "\u04ff" for ch in text)
