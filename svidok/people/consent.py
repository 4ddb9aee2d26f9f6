"""Consent of protected persons, and what each outgoing document may say about them.

A protected person (victim, witness) may agree to three uses of their identity: litigation,
sharing with one named partner, publication (:class:`~svidok.people.models.Consent`). Everything
that leaves Svidok — an export, a court bundle, a report, the public site — names a
:class:`Purpose` and asks a :class:`Disclosure` how to show each person:

- **named**: the real name, only when the reader may see identities (``person.identity``) *and*
  the purpose is internal or the person's consent for it is in force on the day;
- **pseudonym**: the stable pseudonym (litigation, partners, internal use without clearance);
- **withheld**: nothing at all, not even the pseudonym — for publication without consent, where a
  pseudonym repeated across published incidents could itself point to a person.

Every time a document shows less than the record holds, it adds a :class:`Redaction` to its list
(what, where, why), and the document carries that list (``docs/consent.md``).
Persons who are not protected (officials, perpetrators) are always shown by name.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from svidok.accounts import rules
from svidok.accounts.rules import require
from svidok.audit.services import record
from svidok.common.validation import check_date, check_text, today
from svidok.people.models import Consent, Person, PersonIdentity

NOTE_MAX = 2000
PARTNER_MAX = 200


class Purpose(enum.Enum):
    """Why a document leaves Svidok. INTERNAL is the organisation's own use (a migration, a
    working file): clearance alone decides. The others need the person's consent for that use."""

    INTERNAL = "internal"
    LITIGATION = "litigation"
    PARTNER = "partner"
    PUBLICATION = "publication"

    @property
    def label(self) -> str:
        return str(PURPOSE_LABELS[self])


PURPOSE_LABELS = {
    Purpose.INTERNAL: gettext_lazy("internal use"),
    Purpose.LITIGATION: gettext_lazy("litigation"),
    Purpose.PARTNER: gettext_lazy("sharing with a named partner"),
    Purpose.PUBLICATION: gettext_lazy("publication"),
}


def same_partner(a: str, b: str) -> bool:
    """Partner names compare without case and extra spaces ("OSCE  ODIHR" is "osce odihr")."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def known_partners() -> list[str]:
    """The partners named in consents so far, one spelling each, for the pickers."""
    seen: dict[str, str] = {}
    for name in Consent.objects.exclude(partner="").order_by("partner").values_list("partner", flat=True).distinct():
        seen.setdefault(" ".join(name.split()).casefold(), " ".join(name.split()))
    return sorted(seen.values(), key=str.casefold)


# --- recording ------------------------------------------------------------------------------------


def _check_note(field_name: str, note: str) -> str:
    note = (note or "").strip()
    check_text(field_name, note, long=True)
    if len(note) > NOTE_MAX:
        raise ValidationError({field_name: _("Keep the note under %(limit)d characters.") % {"limit": NOTE_MAX}})
    return note


def record_consent(*, actor, person: Person, purpose: str, given_on: dt.date, method: str,
                   partner: str = "", note: str = "") -> Consent:
    """Record a protected person's consent for one purpose. Audited without the note (sealed)."""
    require(actor, "person.consent")
    if not person.protected:
        raise ValidationError({"purpose": _("This person is not protected: their identity needs no consent to be shown.")})
    if purpose not in Consent.Purpose.values:
        raise ValidationError({"purpose": _("Choose what the person agreed to.")})
    if method not in Consent.Method.values:
        raise ValidationError({"method": _("Choose how the consent was obtained.")})
    if given_on is None:
        raise ValidationError({"given_on": _("Give the date the consent was given.")})
    check_date("given_on", given_on)
    partner = " ".join((partner or "").split())
    check_text("partner", partner)
    if purpose == Consent.Purpose.PARTNER and not partner:
        raise ValidationError({"partner": _("Name the partner the person agreed to share with.")})
    if purpose != Consent.Purpose.PARTNER and partner:
        raise ValidationError({"partner": _("A partner is named only for consent to share with a partner.")})
    if len(partner) > PARTNER_MAX:
        raise ValidationError({"partner": _("Keep the partner's name under %(limit)d characters.") % {"limit": PARTNER_MAX}})
    note = _check_note("note", note)
    with transaction.atomic():
        consent = Consent.objects.create(
            person=person, purpose=purpose, partner=partner, given_on=given_on, method=method, note=note,
            recorded_at=timezone.now(), recorded_by=actor,
        )
        record(actor=actor, action="consent", obj=person, changes={"consent": [None, {
            "purpose": purpose, "partner": partner, "given_on": given_on.isoformat(), "method": method}]})
    return consent


def withdraw_consent(*, actor, consent: Consent, withdrawn_on: dt.date, method: str, note: str = "") -> Consent:
    """Record that the person withdrew a consent (from ``withdrawn_on``). Audited; never undone:
    a person who agrees again gives a new consent."""
    require(actor, "person.consent")
    if consent.withdrawn_on is not None:
        raise ValidationError({"withdrawn_on": _("This consent was already withdrawn on %(date)s.") % {
            "date": consent.withdrawn_on.isoformat()}})
    if withdrawn_on is None:
        raise ValidationError({"withdrawn_on": _("Give the date the consent was withdrawn.")})
    check_date("withdrawn_on", withdrawn_on)
    if withdrawn_on < consent.given_on:
        raise ValidationError({"withdrawn_on": _("A consent cannot be withdrawn before it was given (%(date)s).") % {
            "date": consent.given_on.isoformat()}})
    if method not in Consent.Method.values:
        raise ValidationError({"withdrawal_method": _("Choose how the withdrawal was made.")})
    note = _check_note("withdrawal_note", note)
    with transaction.atomic():
        consent = Consent.objects.select_for_update().get(pk=consent.pk)
        if consent.withdrawn_on is not None:
            raise ValidationError({"withdrawn_on": _("This consent was already withdrawn.")})
        consent.withdrawn_on, consent.withdrawal_method, consent.withdrawal_note = withdrawn_on, method, note
        consent.withdrawal_recorded_at, consent.withdrawal_recorded_by = timezone.now(), actor
        consent.save(update_fields=["withdrawn_on", "withdrawal_method", "withdrawal_note",
                                    "withdrawal_recorded_at", "withdrawal_recorded_by"])
        # AuditEntry.action holds 16 characters: "consent_withdrawn" did not fit on PostgreSQL.
        record(actor=actor, action="consent_withdraw", obj=consent.person, changes={"consent": [
            {"purpose": consent.purpose, "partner": consent.partner, "given_on": consent.given_on.isoformat()},
            # "withdrawal_method", not "method": the history labels it as the withdrawal's, not the consent's.
            {"withdrawn_on": withdrawn_on.isoformat(), "withdrawal_method": method}]})
    return consent


def consents_of(*, actor, person: Person) -> list[Consent]:
    require(actor, "person.view")
    return list(person.consents.select_related("recorded_by", "withdrawal_recorded_by"))


def consents_shown(*, actor, person: Person) -> list[Consent]:
    """``consents_of`` for a page or an API answer: the sealed notes are not even loaded (nor
    opened) for a reader who may not see identities, since they may name the person."""
    require(actor, "person.view")
    consents = person.consents.select_related("recorded_by", "withdrawal_recorded_by")
    if not rules.can(actor, "person.identity"):
        consents = consents.defer("note", "withdrawal_note")
    return list(consents)


def consents_prefetch(lookup: str) -> Prefetch:
    """Prefetch the consents under ``lookup`` (``"involvements__person__consents"``) without their
    sealed notes, for a list that shows only what each person agreed to (``in_force_labels``)."""
    return Prefetch(lookup, queryset=Consent.objects.defer("note", "withdrawal_note"))


def in_force_labels(person: Person, on: dt.date | None = None) -> list[str]:
    """What ``person``'s consents in force on ``on`` (today) allow, in words ("litigation",
    "sharing with a named partner (OSCE ODIHR)"), read from the prefetched consents."""
    on = on or today()
    labels = []
    for consent in person.consents.all():
        if consent.in_force(on):
            label = str(consent.get_purpose_display())
            labels.append(f"{label} ({consent.partner})" if consent.partner else label)
    return sorted(set(labels), key=str.casefold)


def get_consent(*, person: Person, public_id) -> Consent | None:
    """The consent ``public_id`` of ``person`` (None when there is none: another person's is not found)."""
    return person.consents.filter(uuid=public_id).first()


# --- deciding what a document shows -----------------------------------------------------------------


class Shown(enum.Enum):
    NAMED = "named"
    PSEUDONYM = "pseudonym"
    WITHHELD = "withheld"


@dataclass(frozen=True)
class Decision:
    shown: Shown
    reason: str = ""  # why less than the name is shown, in the reader's language

    @property
    def redacted(self) -> bool:
        return self.shown is not Shown.NAMED


@dataclass(frozen=True)
class Redaction:
    """One place where a document shows less than the record holds. ``person`` is the label the
    document uses for them (their pseudonym, or "a protected person" when withheld)."""

    where: str  # "SV-2018-000001", an exhibit, a section
    field: str  # "victims", "narrative", ...
    person: str
    shown: Shown
    reason: str

    def as_dict(self) -> dict:
        return {"where": self.where, "field": self.field, "person": self.person,
                "shown": self.shown.value, "reason": self.reason}


@dataclass
class Disclosure:
    """How one document (its ``actor``, ``purpose`` and, for a partner, ``partner``) shows each
    protected person. Consents are read once per person; ``redactions`` collects what was held back.
    """

    actor: object
    purpose: Purpose
    partner: str = ""
    on: dt.date = field(default_factory=today)
    redactions: list[Redaction] = field(default_factory=list)

    def __post_init__(self):
        if self.purpose is Purpose.PARTNER and not self.partner.strip():
            raise ValidationError({"partner": _("Name the partner the document is for.")})
        self.cleared = rules.can(self.actor, "person.identity")
        self._decisions: dict[int, Decision] = {}
        self._persons: dict[int, Person] = {}

    # Persons are loaded in bulk by ``prepare`` (a page of incidents), or one by one as met.
    def prepare(self, person_ids: Iterable[int]) -> None:
        wanted = {p for p in person_ids if p not in self._decisions}
        if not wanted:
            return
        persons = {p.pk: p for p in Person.objects.filter(pk__in=wanted)}
        self._persons.update(persons)
        consents: dict[int, list[Consent]] = {}
        if self.purpose is not Purpose.INTERNAL:
            for consent in Consent.objects.filter(person_id__in=wanted, purpose=self._consent_purpose()):
                consents.setdefault(consent.person_id, []).append(consent)
        for pk, person in persons.items():
            self._decisions[pk] = self._decide(person, consents.get(pk, []))

    def _consent_purpose(self) -> str:
        return {Purpose.LITIGATION: Consent.Purpose.LITIGATION, Purpose.PARTNER: Consent.Purpose.PARTNER,
                Purpose.PUBLICATION: Consent.Purpose.PUBLICATION}[self.purpose]

    def _decide(self, person: Person, consents: list[Consent]) -> Decision:
        if not person.protected:
            return Decision(Shown.NAMED)
        if self.purpose is Purpose.INTERNAL:
            if self.cleared:
                return Decision(Shown.NAMED)
            return Decision(Shown.PSEUDONYM, _("you may not see identities"))
        if self.purpose is Purpose.PARTNER:
            consents = [c for c in consents if same_partner(c.partner, self.partner)]
        in_force = [c for c in consents if c.in_force(self.on)]
        fallback = Shown.WITHHELD if self.purpose is Purpose.PUBLICATION else Shown.PSEUDONYM
        if not in_force:
            withdrawn = [c for c in consents if c.withdrawn_on is not None and c.withdrawn_on <= self.on]
            if withdrawn:
                reason = _("consent withdrawn on %(date)s") % {"date": max(c.withdrawn_on for c in withdrawn).isoformat()}
            else:
                reason = self._no_consent()
            return Decision(fallback, reason)
        if not self.cleared:
            # Consent allows the name, but this reader may not see it: the pseudonym, not less.
            return Decision(Shown.PSEUDONYM, _("you may not see identities"))
        return Decision(Shown.NAMED)

    def _no_consent(self) -> str:
        if self.purpose is Purpose.PARTNER:
            return _("no consent for sharing with %(partner)s") % {"partner": self.partner}
        if self.purpose is Purpose.PUBLICATION:
            return _("no consent for publication")
        return _("no consent for litigation")

    def decide(self, person: Person | int) -> Decision:
        pk = person if isinstance(person, int) else person.pk
        if pk not in self._decisions:
            self.prepare([pk])
        return self._decisions.get(pk, Decision(Shown.WITHHELD, _("unknown person")))

    def label(self, person: Person) -> str:
        """What the document calls ``person``: the real name, the pseudonym, or a neutral label."""
        decision = self.decide(person)
        if decision.shown is Shown.NAMED:
            if person.protected:
                try:
                    identity = person.identity  # loaded with the person by callers that label many
                except PersonIdentity.DoesNotExist:
                    identity = None
                return (identity.full_name if identity else "") or person.display_name
            return person.display_name
        if decision.shown is Shown.PSEUDONYM:
            return person.display_name
        return _("a protected person")

    def note(self, *, where: str, field_name: str, person: Person, decision: Decision | None = None) -> None:
        """Add a redaction for ``person`` at ``where``/``field_name`` when the decision holds back."""
        decision = decision or self.decide(person)
        if decision.redacted:
            label = person.display_name if decision.shown is Shown.PSEUDONYM else _("a protected person")
            self.redactions.append(Redaction(where, field_name, label, decision.shown, decision.reason))

    # Free text: a protected name typed into a narrative, an excerpt, a description.
    def replacement(self, person_ids: set[int]) -> str | None:
        """What replaces a name in free text that points to ``person_ids`` (None: keep the text as
        written). Kept only when every person it may be is shown by name."""
        decisions = [self.decide(p) for p in person_ids]
        if decisions and all(d.shown is Shown.NAMED for d in decisions):
            return None
        if len(person_ids) == 1 and decisions[0].shown is Shown.PSEUDONYM:
            return self._persons[next(iter(person_ids))].display_name
        return _("[protected name]")

    def redact_text(self, text: str, *, where: str, field_name: str, matcher=None) -> str:
        """``text`` with each protected name this document may not show replaced, each noted."""
        from svidok.people.freetext import pseudonymize

        result, found = pseudonymize(text, matcher, replace=self.replacement)
        if result != text:
            for pk in sorted(found):
                decision = self.decide(pk)
                if decision.redacted:
                    person = self._persons[pk]
                    label = person.display_name if decision.shown is Shown.PSEUDONYM else _("a protected person")
                    self.redactions.append(Redaction(where, field_name, label, decision.shown, decision.reason))
        return result
