"""Use cases for incidents, sources, interventions, elections and vocabularies.

Every function here is the only way its records are written: the web UI, the API, the CLI and
importers all call it. Each runs in one transaction and writes its audit entry inside it, so
callers parse, call one use case and render; they open no transaction of their own.

Recording or editing an incident with its rows (:func:`record_incident`, :func:`edit_incident`)
checks every row and reports all the errors at once as one :class:`RowErrors`, which rolls the whole
use case back: nothing is half-written.
"""

import json
import re

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from svidok.accounts.rules import require, second_pair_of_eyes_needed
from svidok.audit.services import diff, record
from svidok.common import crypto, extensions
from svidok.common.validation import (
    check_choice,
    check_date,
    check_range,
    check_required,
    check_text,
    check_text_size,
    check_texts,
    collect,
)
from svidok.incidents import search_index
from svidok.incidents.models import (
    DatePrecision,
    Election,
    ElectionFigure,
    Incident,
    IncidentDraft,
    IncidentSource,
    Intervention,
    Involvement,
    ReferenceCounter,
    Source,
    Tag,
    Term,
    Vocabulary,
)
from svidok.people import services as people_services
from svidok.people.models import PROTECTED_ROLES

INCIDENT_FIELDS = (
    "title", "narrative", "type", "date_start", "date_end", "date_precision", "place", "place_text",
    "election", "confidence", "sensitivity", "victim_count",
)
SOURCE_FIELDS = (
    "kind", "title", "publisher", "author", "url", "published_on", "accessed_on", "language",
    "reliability", "credibility", "excerpt", "notes",
)
INTERVENTION_FIELDS = (
    "kind", "title", "description", "by_organization", "by_person", "addressee", "date", "status", "election", "source",
)


def term(vocabulary: str, code: str, *, field: str = "code") -> Term:
    """Look up an active vocabulary term by code, or raise a field error naming the bad code."""
    found = Term.objects.filter(vocabulary__code=vocabulary, code=code, active=True).first()
    if found is None:
        raise ValidationError({field: _("Unknown %(vocabulary)s code %(code)r.") % {"vocabulary": vocabulary, "code": code}})
    return found


def _check_term(field: str, value, vocabulary: str):
    def check():
        if value is not None and value.vocabulary.code != vocabulary:
            raise ValidationError({field: _("%(code)r is not a %(vocabulary)s term.") % {"code": value.code, "vocabulary": vocabulary}})
    return check


def snapshot(incident: Incident) -> dict:
    data = {name: getattr(incident, name) for name in INCIDENT_FIELDS}
    data["type"] = incident.type.code if incident.type_id else None
    data["status"] = incident.status
    if incident.pk:
        data["legal_tags"] = sorted(t.code for t in incident.legal_tags.all())
        data["tags"] = sorted(t.name for t in incident.tags.all())
    return data


def validate_incident(fields: dict) -> None:
    collect(
        lambda: check_required("title", fields.get("title"), _("A title is required.")),
        lambda: check_text_size("title", fields.get("title"), 300, long=False),
        lambda: check_text_size("narrative", fields.get("narrative")),
        lambda: check_text("place_text", fields.get("place_text")),
        lambda: check_required("type", fields.get("type"), _("A type is required.")),
        _check_term("type", fields.get("type"), "incident_type"),
        lambda: check_required("date_start", fields.get("date_start"), _("A date is required.")),
        lambda: check_date("date_start", fields.get("date_start")),
        lambda: check_date("date_end", fields.get("date_end")),
        lambda: check_range("date_start", fields.get("date_start"), "date_end", fields.get("date_end")),
        lambda: None
        if fields.get("date_precision", DatePrecision.DAY) != DatePrecision.RANGE
        else check_required("date_end", fields.get("date_end"), _("A date range needs an end date.")),
    )


def _next_reference(year: int) -> str:
    # The row lock serialises concurrent creations within a year on PostgreSQL; SQLite already
    # serialises writers (transaction_mode IMMEDIATE).
    counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"SV-{year}-{counter.last:06d}"


def _check_tags(legal_tags, tags) -> None:
    if legal_tags is not None:
        bad = [t.code for t in legal_tags if t.vocabulary.code != "legal_qualification"]
        if bad:
            raise ValidationError({"legal_tags": _("Not legal qualification codes: %(codes)s") % {"codes": ", ".join(bad)}})
    if tags is not None:
        for name in tags:
            check_text("tags", name)
        if any(len(n) > 60 for n in _tag_names(tags)):
            raise ValidationError({"tags": _("Tags are at most 60 characters long.")})


def check_tags(tags) -> None:
    """Refuse tag names that no incident may carry (``tags`` field error)."""
    _check_tags(None, tags)


def _tag_names(tags) -> list[str]:
    return sorted({t.strip().lower() for t in tags if t and t.strip()})


def _set_tags(incident: Incident, legal_tags, tags) -> None:
    """Set the tags checked by :func:`_check_tags` (``None`` leaves them as they are)."""
    if legal_tags is not None:
        incident.legal_tags.set(legal_tags)
    if tags is not None:
        incident.tags.set([Tag.objects.get_or_create(name=n)[0] for n in _tag_names(tags)])


# --- rows: the involvements and sources of an incident -------------------------------------------


def _message_dict(error: ValidationError) -> dict[str, list[str]]:
    return error.message_dict if hasattr(error, "error_dict") else {NON_FIELD_ERRORS: error.messages}


class RowErrors(ValidationError):
    """Everything wrong with one call of :func:`record_incident` or :func:`edit_incident`, each error
    where it belongs.

    ``incident_error``: a field-keyed ValidationError on the incident's own fields (``title``,
    ``date_start``, ``legal_tags``, ...), or ``None``.

    ``rows``: ``{(argument, index): ValidationError}``, one entry per failed row; ``argument`` is
    the name of the list argument the row came in (``"involvements"``, ``"sources"``,
    ``"add_involvements"``, ``"add_sources"``, ``"change_involvements"``, ``"change_sources"``,
    ``"remove_involvements"``, ``"remove_sources"``)
    and ``index`` its position in that list, from 0 (``("involvements", 1)`` is the second
    involvement). Each error is keyed by the row's fields: ``party``, ``role``,
    ``perpetrator_type``, ``details``, and a new party's fields as the people services name them
    (``name``, ...) for an involvement; ``source``, and a new source's fields (``title``,
    ``published_on``, ...) for a source.

    As a plain ValidationError (for a caller that does not look at the rows) its ``message_dict``
    is the incident's field errors plus one key per row field, ``"involvements[1].name"``.
    """

    def __init__(self, incident_error: ValidationError | None = None, rows: dict | None = None):
        self.incident_error = incident_error
        self.rows = dict(sorted((rows or {}).items()))
        flat: dict[str, list[str]] = {}
        if incident_error is not None:
            for field, messages in _message_dict(incident_error).items():
                flat.setdefault(field, []).extend(messages)
        for (argument, index), error in self.rows.items():
            for field, messages in _message_dict(error).items():
                flat.setdefault(f"{argument}[{index}].{field}", []).extend(messages)
        super().__init__(flat)


class _Collector:
    """The errors of one use case, gathered while every part of it is tried in turn."""

    def __init__(self):
        self.incident_error: ValidationError | None = None
        self.rows: dict[tuple[str, int], ValidationError] = {}

    def incident(self, write):
        try:
            return write()
        except ValidationError as exc:
            self.incident_error = exc
            return None

    def each(self, argument: str, items, write) -> None:
        for index, item in enumerate(items):
            try:
                write(item)
            except ValidationError as exc:
                self.rows[(argument, index)] = exc

    def raise_any(self) -> None:
        """Raise :class:`RowErrors` when anything failed; the caller's transaction then rolls back."""
        if self.incident_error is not None or self.rows:
            raise RowErrors(self.incident_error, self.rows)


PARTY_KEYS = ("person", "organization", "new_person", "new_organization")
INVOLVEMENT_KEYS = frozenset({*PARTY_KEYS, "role", "perpetrator_type", "details"})


def check_involvement(row: dict) -> None:
    """Check an involvement row without reading or writing anything: exactly one party, a role,
    the vocabularies of the terms, the length of the details. Raises one field-keyed
    ValidationError with every problem. (A new party's own fields are checked when it is created.)"""
    unknown = set(row) - INVOLVEMENT_KEYS
    if unknown:
        raise TypeError(f"unknown involvement keys: {', '.join(sorted(unknown))}")
    role, perpetrator_type, details = row.get("role"), row.get("perpetrator_type"), row.get("details") or ""
    errors = {}
    if sum(row.get(key) is not None for key in PARTY_KEYS) != 1:
        errors["party"] = [_("Name exactly one person or one organization.")]
    if role is None or role.vocabulary.code != "involvement_role":
        errors["role"] = [_("An involvement role is required.")]
    if perpetrator_type is not None and perpetrator_type.vocabulary.code != "perpetrator_type":
        errors["perpetrator_type"] = [_("%(code)r is not a perpetrator type.") % {"code": perpetrator_type.code}]
    if len(details) > 500:
        errors["details"] = [_("Details are at most 500 characters long.")]
    else:
        try:
            check_text("details", details, long=True)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


def _party(actor, row: dict):
    """The row's person or organization; a new one is created through the people services."""
    if row.get("person") is not None:
        return row["person"]
    if row.get("organization") is not None:
        return row["organization"]
    if row.get("new_person") is not None:
        new = dict(row["new_person"])
        protected = new.pop("protected", None)
        if protected is None:
            role = row.get("role")
            protected = role is not None and role.code in PROTECTED_ROLES
        return people_services.record_person(actor=actor, name=new.pop("name", ""), protected=protected, **new)
    new = dict(row["new_organization"])
    kind = new.pop("kind", None) or row.get("perpetrator_type")
    return people_services.record_organization(actor=actor, name=new.pop("name", ""), kind=kind, **new)


def _checked_party(actor, row: dict):
    """Check an involvement row and find or create its party; one ValidationError with every problem of the row."""
    errors: dict[str, list[str]] = {}
    try:
        check_involvement(row)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    party = None
    if "party" not in errors:
        try:
            party = _party(actor, row)
        except ValidationError as exc:
            for field, messages in _message_dict(exc).items():
                errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return party


def _involvement_row(actor, incident: Incident | None, row: dict) -> Involvement | None:
    """Check one involvement row and create its new party; with an ``incident``, write the
    involvement and its audit entry. One ValidationError with the row's every problem.

    Without an incident (its own fields failed) the row is only checked: the caller rolls back.
    """
    party = _checked_party(actor, row)
    if incident is None:
        return None
    is_person = party._meta.model_name == "person"
    return _write_involvement(actor, incident, role=row["role"], person=party if is_person else None,
                              organization=None if is_person else party, perpetrator_type=row.get("perpetrator_type"),
                              details=row.get("details") or "")


def _write_involvement(actor, incident: Incident, *, role: Term, person, organization, perpetrator_type, details: str) -> Involvement:
    """The involvement and its audit entry; the caller checked the row and reindexes the incident."""
    involvement = Involvement.objects.create(
        incident=incident, person=person, organization=organization, role=role,
        perpetrator_type=perpetrator_type, details=details,
    )
    record(
        actor=actor, action="link", obj=incident,
        changes={"involvement": [None, {**_party_ref(person or organization), "role": role.code,
                                        "perpetrator_type": perpetrator_type.code if perpetrator_type else None,
                                        "details": details}]},
    )
    return involvement


def _source_row(actor, incident: Incident | None, row, seen: set) -> IncidentSource | None:
    """Check one source row (recording its new source); with an ``incident``, link it.

    ``seen`` collects the existing sources of the call's rows, so that one cited twice is an error
    even when there is no incident to link to.
    """
    if isinstance(row, tuple):
        source, note = row
        row = {"source": source, "note": note}
    unknown = set(row) - {"source", "new_source", "note"}
    if unknown:
        raise TypeError(f"unknown source keys: {', '.join(sorted(unknown))}")
    source, new, note = row.get("source"), row.get("new_source"), row.get("note") or ""
    if (source is None) == (new is None):
        raise ValidationError({"source": _("Name exactly one existing source or one new source.")})
    if source is None:
        source = record_source(actor=actor, fields=new)
    elif source.pk in seen:
        raise ValidationError({"source": _("This source is already linked to the incident.")})
    seen.add(source.pk)
    return None if incident is None else _link_source(actor, incident, source, note)


def _link_source(actor, incident: Incident, source: Source, note: str = "") -> IncidentSource:
    if IncidentSource.objects.filter(incident=incident, source=source).exists():
        raise ValidationError({"source": _("This source is already linked to the incident.")})
    link = IncidentSource.objects.create(incident=incident, source=source, note=(note or "")[:500])
    record(actor=actor, action="link", obj=incident, changes={"source": [None, {"source": source.public_id, "title": source.title, "note": link.note}]})
    return link


def _remove_involvement(actor, incident: Incident, involvement: Involvement) -> None:
    if involvement.incident_id != incident.pk:
        raise ValidationError({"involvement": _("This involvement is not part of the incident.")})
    party = _party_ref(involvement.party)
    role = involvement.role.code
    involvement.delete()
    record(actor=actor, action="unlink", obj=incident, changes={"involvement": [{**party, "role": role}, None]})


def _involvement_ref(involvement: Involvement) -> dict:
    return {**_party_ref(involvement.party), "role": involvement.role.code,
            "perpetrator_type": involvement.perpetrator_type.code if involvement.perpetrator_type_id else None,
            "details": involvement.details}


def _change_involvement(actor, incident: Incident, change) -> None:
    """``change``: ``(Involvement, row)``; the row (as for :func:`record_incident`) replaces what the
    involvement says: its party (a new one is created), role, perpetrator type and details."""
    involvement, row = change
    if involvement.incident_id != incident.pk:
        raise ValidationError({"involvement": _("This involvement is not part of the incident.")})
    before = _involvement_ref(involvement)
    party = _checked_party(actor, row)
    is_person = party._meta.model_name == "person"
    involvement.person, involvement.organization = (party, None) if is_person else (None, party)
    involvement.role, involvement.perpetrator_type = row["role"], row.get("perpetrator_type")
    involvement.details = row.get("details") or ""
    after = _involvement_ref(involvement)
    if after != before:
        involvement.save(update_fields=["person", "organization", "role", "perpetrator_type", "details"])
        record(actor=actor, action="update", obj=incident, changes={"involvement": [before, after]})


def _change_source_note(actor, incident: Incident, change) -> None:
    """``change``: ``(IncidentSource, note)``: what the source says about this incident, rewritten."""
    link, note = change
    if link.incident_id != incident.pk:
        raise ValidationError({"source": _("This source is not linked to the incident.")})
    note = note or ""
    if len(note) > 500:
        raise ValidationError({"note": _("A note is at most 500 characters long.")})
    check_text("note", note)
    if note == link.note:
        return
    before = {"source": link.source.public_id, "title": link.source.title, "note": link.note}
    link.note = note
    link.save(update_fields=["note"])
    record(actor=actor, action="update", obj=incident, changes={"source": [before, {**before, "note": note}]})


def party_ref(party) -> dict:
    """How an audit entry names a party: an organization by name; a person by a label that is not
    their name (the pseudonym, or a piece of the UUID) and the person's id, which the history
    resolves to the name shown today. The log is append-only, and a person named openly today may
    be protected tomorrow (``docs/identity-vault.md``)."""
    if party._meta.model_name == "person":
        return {"party": party.audit_repr, "person": party.public_id}
    return {"party": party.display_name}


_party_ref = party_ref


def _unlink_source(actor, incident: Incident, link: IncidentSource) -> None:
    if link.incident_id != incident.pk:
        raise ValidationError({"source": _("This source is not linked to the incident.")})
    source = link.source
    link.delete()
    record(actor=actor, action="unlink", obj=incident, changes={"source": [{"source": source.public_id, "title": source.title}, None]})


# --- incidents ----------------------------------------------------------------------------------------


def check_incident(fields: dict, legal_tags=None, tags=None) -> None:
    """Check an incident's own fields and tags without reading or writing anything: the rules
    :func:`record_incident` applies, for callers that write in bulk (the importer). Raises one
    field-keyed ValidationError with every problem."""
    collect(lambda: validate_incident(fields), lambda: _check_tags(legal_tags, tags))


def _create(actor, fields: dict, legal_tags, tags) -> Incident:
    check_incident(fields, legal_tags, tags)
    incident = Incident(**fields, created_by=actor if getattr(actor, "pk", None) else None)
    incident.reference = _next_reference(incident.date_start.year)
    incident.full_clean(exclude=["reference", "type", "place", "election", "legal_tags", "tags", "created_by"], validate_constraints=False)
    incident.save()
    _set_tags(incident, legal_tags, tags)
    record(actor=actor, action="create", obj=incident, changes=diff({}, snapshot(incident)))
    return incident


@transaction.atomic
def record_incident(*, actor, fields: dict, legal_tags=None, tags=None, involvements=(), sources=()) -> Incident:
    """Create an incident (a draft) with its involvements and sources, all or nothing.

    ``fields``: the incident's own fields (:data:`INCIDENT_FIELDS`; others are ignored);
    ``legal_tags``: ``legal_qualification`` terms; ``tags``: free texts.

    ``involvements``: dicts, each naming exactly one party --

    - ``{"person": Person}`` or ``{"organization": Organization}``: one already recorded;
    - ``{"new_person": {"name": str, "protected": bool | None, ...}}``: a person to create
      (:func:`svidok.people.services.record_person` takes the other keys). ``protected`` left out or
      ``None`` follows the role: victims and witnesses (``people.models.PROTECTED_ROLES``) are protected;
    - ``{"new_organization": {"name": str, "kind": Term | None, ...}}``: an organization to create
      (:func:`svidok.people.services.record_organization`); its ``kind`` defaults to the row's
      ``perpetrator_type``;

    -- with ``"role"`` (an ``involvement_role`` term, required), ``"perpetrator_type"`` (a
    ``perpetrator_type`` term or ``None``) and ``"details"`` (at most 500 characters).

    ``sources``: dicts ``{"source": Source, "note": str}`` (one already recorded) or
    ``{"new_source": {<SOURCE_FIELDS>}, "note": str}`` (one to record with
    :func:`record_source`); a ``(Source, note)`` pair is short for the first.

    Every row is checked (new parties and sources are created as they come) even when the incident
    or an earlier row failed; if anything failed, :class:`RowErrors` names each failed row and
    field, and the transaction rolls back: no incident, party, source or audit entry stays.
    """
    require(actor, "incident.create")
    fields = {k: v for k, v in fields.items() if k in INCIDENT_FIELDS}
    errors = _Collector()
    incident = errors.incident(lambda: _create(actor, fields, legal_tags, tags))
    errors.each("involvements", involvements, lambda row: _involvement_row(actor, incident, row))
    seen: set = set()
    errors.each("sources", sources, lambda row: _source_row(actor, incident, row, seen))
    errors.raise_any()
    # Once, with every party: the parties' names are part of the incident's keys.
    search_index.index_incident(incident)
    return incident


def _update(actor, incident: Incident, fields: dict, legal_tags, tags) -> Incident:
    """Change the (locked) incident's fields and tags and audit the change; nothing when they fail."""
    before = snapshot(incident)
    merged = {name: getattr(incident, name) for name in INCIDENT_FIELDS}
    merged.update({k: v for k, v in fields.items() if k in INCIDENT_FIELDS})
    collect(lambda: validate_incident(merged), lambda: _check_tags(legal_tags, tags))
    for name, value in merged.items():
        setattr(incident, name, value)
    unpublished = _leave_public_site(incident, incident.sensitivity == Incident.Sensitivity.PUBLIC)
    incident.save()
    _set_tags(incident, legal_tags, tags)
    changes = diff(before, snapshot(incident)) | unpublished
    if changes:
        record(actor=actor, action="update", obj=incident, changes=changes)
    return incident


@transaction.atomic
def update_incident(*, actor, incident: Incident, fields: dict, legal_tags=None, tags=None) -> Incident:
    """Change an incident's own fields (any subset) and tags; a field-keyed ValidationError when they fail."""
    require(actor, "incident.edit", incident)
    incident = _update(actor, _locked(incident), fields, legal_tags, tags)
    search_index.index_incident(incident)
    return incident


@transaction.atomic
def edit_incident(*, actor, incident: Incident, fields: dict, legal_tags=None, tags=None, add_involvements=(),
                  add_sources=(), remove_involvements=(), remove_sources=(), change_involvements=(),
                  change_sources=()) -> Incident:
    """The incident form's whole edit, all or nothing: change the fields and tags (as
    :func:`update_incident`), remove ``remove_involvements`` (Involvement) and ``remove_sources``
    (IncidentSource links) of this incident, change ``change_involvements`` (pairs of an
    Involvement and the row that replaces it, shaped as for :func:`record_incident`) and
    ``change_sources`` (pairs of an IncidentSource link and its new note), then add
    ``add_involvements`` and ``add_sources`` (rows shaped as for :func:`record_incident`).

    Every part is tried; if any failed, :class:`RowErrors` names each one (rows keyed by the
    argument's name and index) and the transaction rolls back.
    """
    require(actor, "incident.edit", incident)
    incident = _locked(incident)
    errors = _Collector()
    errors.incident(lambda: _update(actor, incident, fields, legal_tags, tags))
    errors.each("remove_involvements", remove_involvements, lambda involvement: _remove_involvement(actor, incident, involvement))
    errors.each("remove_sources", remove_sources, lambda link: _unlink_source(actor, incident, link))
    errors.each("change_involvements", change_involvements, lambda change: _change_involvement(actor, incident, change))
    errors.each("change_sources", change_sources, lambda change: _change_source_note(actor, incident, change))
    errors.each("add_involvements", add_involvements, lambda row: _involvement_row(actor, incident, row))
    seen: set = set()
    errors.each("add_sources", add_sources, lambda row: _source_row(actor, incident, row, seen))
    errors.raise_any()
    search_index.index_incident(incident)
    return incident


def _leave_public_site(incident: Incident, still_publishable: bool) -> dict:
    """Clear the publication of an incident that stops being verified or public (the public site
    already stops showing it): it returns only when a coordinator publishes it again
    (``incidents.publication``), never by a later change back. The audit change, or {}."""
    if incident.published_at is None or still_publishable:
        return {}
    since = timezone.localdate(incident.published_at).isoformat()
    incident.published_at, incident.published_by = None, None
    return {"published_at": [since, None]}


def _set_status(actor, incident: Incident, status: str, reason: str = "", duplicate_of=None, noted: dict | None = None) -> Incident:
    before = {"status": incident.status, "status_reason": incident.status_reason, "duplicate_of": incident.duplicate_of}
    incident.status = status
    incident.status_reason = reason
    incident.duplicate_of = duplicate_of
    unpublished = _leave_public_site(incident, status == Incident.Status.VERIFIED)
    incident.save(update_fields=["status", "status_reason", "duplicate_of", "updated_at", "published_at", "published_by"])
    after = {"status": status, "status_reason": reason, "duplicate_of": duplicate_of}
    changes = diff(before, after) | {key: [None, value] for key, value in (noted or {}).items()} | unpublished
    record(actor=actor, action="status", obj=incident, changes=changes)
    # Apps above hear of it (svidok.work: the recorder is notified), inside this transaction.
    extensions.ask("incidents.status_changed", actor=actor, incident=incident, before=before["status"])
    return incident


def _locked(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().get(pk=incident.pk)


@transaction.atomic
def submit_incident(*, actor, incident: Incident) -> Incident:
    require(actor, "incident.submit")
    incident = _locked(incident)
    if incident.status != Incident.Status.DRAFT:
        raise ValidationError({"status": _("Only a draft can be submitted; this incident is %(status)s.") % {"status": incident.status}})
    require(actor, "incident.submit", incident)
    return _set_status(actor, incident, Incident.Status.SUBMITTED)


def _check_reviewable(actor, incident: Incident) -> None:
    require(actor, "incident.review")
    if incident.status != Incident.Status.SUBMITTED:
        raise ValidationError({"status": _("Only a submitted incident can be reviewed; this one is %(status)s.") % {"status": incident.status}})


def verification_refusal(user, incident: Incident) -> str | None:
    """Why ``user`` may not verify ``incident`` under the four-eyes rule (``SVIDOK_FOUR_EYES``): the
    person who recorded an incident does not verify it. None when nothing stands in the way.

    Only the recorder counts: a coordinator who corrected a submitted incident (a typo, a missing
    source) may still verify it, and the change history shows who changed what."""
    if second_pair_of_eyes_needed(user, [incident.created_by_id]):
        return _("You recorded this incident, so another coordinator verifies it: a second pair of eyes checks every verified incident.")
    return None


@transaction.atomic
def verify_incident(*, actor, incident: Incident, reason: str = "") -> Incident:
    """Submitted -> verified, by a lead who did not record the incident (:func:`verification_refusal`).
    The audit entry notes whether a second person verified it (no only where the rule is off)."""
    require(actor, "incident.review")
    incident = _locked(incident)
    _check_reviewable(actor, incident)
    refusal = verification_refusal(actor, incident)
    if refusal:
        raise ValidationError({"status": refusal})
    noted = {} if incident.created_by_id is None else {"second_person": incident.created_by_id != getattr(actor, "pk", None)}
    return _set_status(actor, incident, Incident.Status.VERIFIED, reason, noted=noted)


@transaction.atomic
def reject_incident(*, actor, incident: Incident, reason: str) -> Incident:
    require(actor, "incident.review")
    incident = _locked(incident)
    _check_reviewable(actor, incident)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the incident is rejected.")})
    return _set_status(actor, incident, Incident.Status.REJECTED, reason.strip())


@transaction.atomic
def mark_duplicate(*, actor, incident: Incident, original: Incident, reason: str = "") -> Incident:
    """Link an incident to the one it repeats. Nothing is deleted; the duplicate stays readable."""
    require(actor, "incident.review")
    incident = _locked(incident)
    _check_reviewable(actor, incident)
    if original.pk == incident.pk:
        raise ValidationError({"duplicate_of": _("An incident cannot duplicate itself.")})
    if original.status == Incident.Status.DUPLICATE:
        raise ValidationError({"duplicate_of": _("%(ref)s is itself a duplicate; link to %(orig)s instead.") % {"ref": original.reference, "orig": original.duplicate_of.reference}})
    return _set_status(actor, incident, Incident.Status.DUPLICATE, (reason or "").strip(), duplicate_of=original)


@transaction.atomic
def reopen_incident(*, actor, incident: Incident, reason: str = "") -> Incident:
    """Send a reviewed incident back to submitted (e.g. new information after a rejection)."""
    require(actor, "incident.review")
    incident = _locked(incident)
    if incident.status not in {Incident.Status.VERIFIED, Incident.Status.REJECTED, Incident.Status.DUPLICATE}:
        raise ValidationError({"status": _("Only a reviewed incident can be reopened.")})
    return _set_status(actor, incident, Incident.Status.SUBMITTED, (reason or "").strip())


@transaction.atomic
def add_involvement(*, actor, incident: Incident, role: Term, person=None, organization=None, new_person: dict | None = None,
                    new_organization: dict | None = None, perpetrator_type: Term | None = None, details: str = "") -> Involvement:
    """Add one party to an incident: an existing ``person`` or ``organization``, or a ``new_person``
    or ``new_organization`` to create (as an involvement row of :func:`record_incident`). A
    field-keyed ValidationError when it fails; nothing is then written."""
    require(actor, "incident.edit", incident)
    row = {"role": role, "person": person, "organization": organization, "new_person": new_person,
           "new_organization": new_organization, "perpetrator_type": perpetrator_type, "details": details}
    involvement = _involvement_row(actor, incident, row)
    search_index.index_incident(incident)
    return involvement


@transaction.atomic
def remove_involvement(*, actor, involvement: Involvement) -> None:
    incident = involvement.incident
    require(actor, "incident.edit", incident)
    _remove_involvement(actor, incident, involvement)
    search_index.index_incident(incident)


@transaction.atomic
def link_source(*, actor, incident: Incident, source: Source | None = None, note: str = "",
                new_source: dict | None = None) -> IncidentSource:
    """Cite a ``source`` already recorded, or record ``new_source`` (its fields) and cite it."""
    require(actor, "incident.edit", incident)
    return _source_row(actor, incident, {"source": source, "new_source": new_source, "note": note}, set())


@transaction.atomic
def unlink_source(*, actor, link: IncidentSource) -> None:
    incident = link.incident
    require(actor, "incident.edit", incident)
    _unlink_source(actor, incident, link)


def validate_source(fields: dict) -> None:
    collect(
        lambda: check_required("title", fields.get("title"), _("A title is required.")),
        lambda: check_text_size("title", fields.get("title"), 500, long=False),
        lambda: check_required("kind", fields.get("kind"), _("A source type is required.")),
        _check_term("kind", fields.get("kind"), "source_type"),
        lambda: check_date("published_on", fields.get("published_on")),
        lambda: check_date("accessed_on", fields.get("accessed_on")),
        lambda: check_range("published_on", fields.get("published_on"), "accessed_on", fields.get("accessed_on"),
                            message=_("Accessed on %(end)s, before it was published (%(start)s).")),
        lambda: check_text_size("excerpt", fields.get("excerpt")),
        lambda: check_texts({name: fields.get(name) for name in ("publisher", "author", "url", "language", "notes")}, long=("notes",)),
        lambda: check_choice("reliability", fields.get("reliability", "F"), Source.Reliability.values, _("Reliability is a letter from A to F.")),
        lambda: check_choice("credibility", fields.get("credibility", 6), range(1, 7), _("Credibility is a number from 1 to 6.")),
    )


def _source_snapshot(source: Source) -> dict:
    data = {name: getattr(source, name) for name in SOURCE_FIELDS}
    data["kind"] = source.kind.code if source.kind_id else None
    return data


@transaction.atomic
def record_source(*, actor, fields: dict) -> Source:
    require(actor, "source.edit")
    fields = {k: v for k, v in fields.items() if k in SOURCE_FIELDS}
    validate_source(fields)
    source = Source(**fields, created_by=actor if getattr(actor, "pk", None) else None)
    source.full_clean(exclude=["kind", "created_by"], validate_constraints=False)
    source.save()
    record(actor=actor, action="create", obj=source, object_repr=source.title, changes=diff({}, _source_snapshot(source)))
    return source


@transaction.atomic
def update_source(*, actor, source: Source, fields: dict) -> Source:
    require(actor, "source.edit")
    source = Source.objects.select_for_update().get(pk=source.pk)
    before = _source_snapshot(source)
    merged = {name: getattr(source, name) for name in SOURCE_FIELDS}
    merged.update({k: v for k, v in fields.items() if k in SOURCE_FIELDS})
    validate_source(merged)
    for name, value in merged.items():
        setattr(source, name, value)
    source.full_clean(exclude=["kind", "created_by"], validate_constraints=False)
    source.save()
    changes = diff(before, _source_snapshot(source))
    if changes:
        record(actor=actor, action="update", obj=source, object_repr=source.title, changes=changes)
    return source


@transaction.atomic
def record_intervention(*, actor, fields: dict, incidents=()) -> Intervention:
    require(actor, "intervention.edit")
    fields = {k: v for k, v in fields.items() if k in INTERVENTION_FIELDS}
    collect(
        lambda: check_required("title", fields.get("title"), _("A title is required.")),
        lambda: check_required("kind", fields.get("kind"), _("An intervention type is required.")),
        _check_term("kind", fields.get("kind"), "intervention_type"),
        lambda: check_date("date", fields.get("date")),
        lambda: check_text_size("description", fields.get("description")),
        lambda: check_texts({name: fields.get(name) for name in ("title", "addressee")}),
    )
    intervention = Intervention.objects.create(**fields, created_by=actor if getattr(actor, "pk", None) else None)
    intervention.incidents.set(incidents)
    changes = {name: [None, getattr(intervention, name)] for name in INTERVENTION_FIELDS if getattr(intervention, name) not in (None, "")}
    changes["kind"] = [None, intervention.kind.code]
    changes["incidents"] = [None, sorted(i.reference for i in incidents)]
    record(actor=actor, action="create", obj=intervention, object_repr=intervention.title, changes=changes)
    return intervention


@transaction.atomic
def record_election(*, actor, fields: dict) -> Election:
    require(actor, "election.edit")
    allowed = ("name", "name_uk", "kind", "date", "territory", "territory_text", "notes")
    fields = {k: v for k, v in fields.items() if k in allowed}
    collect(
        lambda: check_required("name", fields.get("name"), _("A name is required.")),
        lambda: check_required("date", fields.get("date"), _("A voting day is required.")),
        lambda: check_date("date", fields.get("date")),
        lambda: check_texts({name: fields.get(name) for name in ("name", "name_uk", "territory_text", "notes")}, long=("notes",)),
    )
    election = Election.objects.create(**fields)
    record(actor=actor, action="create", obj=election, object_repr=election.name, changes=diff({}, fields))
    return election


@transaction.atomic
def record_election_figure(*, actor, election: Election, fields: dict) -> ElectionFigure:
    require(actor, "election.edit")
    check_texts({name: fields.get(name) for name in ("territory_text", "population_group", "claimed_by", "notes")}, long=("notes",))
    figure = ElectionFigure(election=election, **fields)
    if figure.value is None or not (0 <= figure.value <= 100) and figure.metric != ElectionFigure.Metric.OTHER:
        raise ValidationError({"value": _("A percentage lies between 0 and 100.")})
    figure.full_clean(exclude=["election", "territory", "source"])
    figure.save()
    record(
        actor=actor, action="link", obj=election, object_repr=election.name,
        changes={"figure": [None, {"metric": figure.metric, "comparator": figure.comparator, "value": figure.value,
                                   "official": figure.official, "territory": figure.territory_text,
                                   "group": figure.population_group, "claimed_by": figure.claimed_by}]},
    )
    return figure


@transaction.atomic
def save_term(*, actor, vocabulary: Vocabulary, code: str, labels: dict, description: str = "",
              reference: str = "", order: int = 0, active: bool = True) -> Term:
    """Create or change a vocabulary term; the vocabulary's version rises by one."""
    require(actor, "vocabulary.edit")
    term_obj = Term.objects.filter(vocabulary=vocabulary, code=code).first()
    before = {} if term_obj is None else {"label_" + k: getattr(term_obj, "label_" + k) for k in ("en", "uk", "ru", "crh")} | {
        "description": term_obj.description, "reference": term_obj.reference, "order": term_obj.order, "active": term_obj.active}
    collect(*(lambda lang=lang, label=label: check_text(f"label_{lang}", label) for lang, label in labels.items()),
            lambda: check_texts({"description": description, "reference": reference}, long=("description",)))
    term_obj = term_obj or Term(vocabulary=vocabulary, code=code)
    for lang, label in labels.items():
        setattr(term_obj, f"label_{lang}", label)
    term_obj.description, term_obj.reference, term_obj.order, term_obj.active = description, reference, order, active
    term_obj.full_clean(exclude=["vocabulary"])
    term_obj.save()
    after = {"label_" + k: getattr(term_obj, "label_" + k) for k in ("en", "uk", "ru", "crh")} | {
        "description": description, "reference": reference, "order": order, "active": active}
    changes = diff(before, after)
    if changes:
        Vocabulary.objects.filter(pk=vocabulary.pk).update(version=vocabulary.version + 1)
        vocabulary.refresh_from_db()
        record(actor=actor, action="update" if before else "create", object_type="incidents.term",
               object_id=f"{vocabulary.code}:{code}", object_repr=term_obj.label_en,
               changes=changes | {"vocabulary_version": [vocabulary.version - 1, vocabulary.version]})
    return term_obj


@transaction.atomic
def load_vocabularies(*, actor, data: dict) -> dict:
    """Create or update vocabularies from their exported form (``data/vocabularies.json``).

    Idempotent: loading the same file twice changes nothing and writes no audit entry. Terms
    missing from the file are kept (they may be in use) but left as they are.
    """
    require(actor, "vocabulary.edit")
    if not isinstance(data, dict) or data.get("format") != "svidok-vocabularies":
        raise ValidationError({"format": _("Not a Svidok vocabulary file.")})
    _check_vocabulary_file(data)
    counts = {"vocabularies": 0, "created": 0, "updated": 0}
    for item in data["vocabularies"]:
        vocabulary, created = Vocabulary.objects.get_or_create(
            code=item["code"], defaults={"name_en": item["name_en"], "name_uk": item.get("name_uk", ""), "description": item.get("description", "")}
        )
        counts["vocabularies"] += 1
        changed = []
        for order, raw in enumerate(item["terms"], start=1):
            values = {
                "label_en": raw["label_en"], "label_uk": raw.get("label_uk", ""), "label_ru": raw.get("label_ru", ""),
                "label_crh": raw.get("label_crh", ""), "description": raw.get("description", ""),
                "reference": raw.get("reference", ""), "order": raw.get("order", order), "active": raw.get("active", True),
            }
            existing = Term.objects.filter(vocabulary=vocabulary, code=raw["code"]).first()
            if existing is None:
                Term.objects.create(vocabulary=vocabulary, code=raw["code"], **values)
                counts["created"] += 1
                changed.append([raw["code"], None, values["label_en"]])
            else:
                before = {k: getattr(existing, k) for k in values}
                if before != values:
                    for k, v in values.items():
                        setattr(existing, k, v)
                    existing.save()
                    counts["updated"] += 1
                    changed.append([raw["code"], before["label_en"], values["label_en"]])
        if changed and not created:
            vocabulary.version += 1
            vocabulary.save(update_fields=["version", "updated_at"])
        if changed:
            record(actor=actor, action="import", object_type="incidents.vocabulary", object_id=vocabulary.code,
                   object_repr=vocabulary.name_en, changes={"version": vocabulary.version, "terms": changed})
    return counts


_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
# field -> (required, longest); a length of None is long text.
_VOCABULARY_KEYS = {"code": (True, 40), "name_en": (True, 200), "name_uk": (False, 200), "description": (False, None)}
_TERM_KEYS = {"code": (True, 60), "label_en": (True, 200), "label_uk": (False, 200), "label_ru": (False, 200),
              "label_crh": (False, 200), "description": (False, None), "reference": (False, 300)}


def _check_vocabulary_file(data: dict) -> None:
    """Every vocabulary and term of a vocabulary file well formed, before anything is written: a
    ValidationError keyed by where the problem is (``vocabularies[2].terms[5].label_en``)."""
    errors: dict[str, list[str]] = {}

    def check(where: str, item, keys: dict) -> None:
        if not isinstance(item, dict):
            errors.setdefault(where, []).append(_("An object is expected here."))
            return
        for key, (required, longest) in keys.items():
            value = item.get(key, "")
            field = f"{where}.{key}"
            if not isinstance(value, str) or (required and not value.strip()):
                errors.setdefault(field, []).append(_("Text is required here.") if required else _("Text is expected here."))
            elif longest is not None and len(value) > longest:
                errors.setdefault(field, []).append(_("At most %(count)d characters.") % {"count": longest})
            elif key == "code" and not _SLUG.match(value):
                errors.setdefault(field, []).append(_("A code is made of letters, digits, '-' and '_'."))
            else:
                try:
                    check_text(field, value, long=longest is None)
                except ValidationError as exc:
                    errors.setdefault(field, []).extend(exc.messages)
        if "order" in item and not (isinstance(item["order"], int) and not isinstance(item["order"], bool) and 0 <= item["order"] < 2**31):
            errors.setdefault(f"{where}.order", []).append(_("A whole number from 0 is expected here."))
        if "active" in item and not isinstance(item["active"], bool):
            errors.setdefault(f"{where}.active", []).append(_("true or false is expected here."))

    vocabularies = data.get("vocabularies")
    if not isinstance(vocabularies, list):
        raise ValidationError({"vocabularies": _("A list of vocabularies is expected here.")})
    for index, item in enumerate(vocabularies):
        where = f"vocabularies[{index}]"
        check(where, item, _VOCABULARY_KEYS)
        terms = item.get("terms") if isinstance(item, dict) else None
        if not isinstance(terms, list):
            errors.setdefault(f"{where}.terms", []).append(_("A list of terms is expected here."))
            continue
        for number, term_item in enumerate(terms):
            check(f"{where}.terms[{number}]", term_item, _TERM_KEYS)
    if errors:
        raise ValidationError(errors)


def export_vocabularies() -> dict:
    """The vocabularies as data, in the same form that :func:`load_vocabularies` reads."""
    return {
        "format": "svidok-vocabularies",
        "version": 1,
        "vocabularies": [
            {
                "code": v.code, "name_en": v.name_en, "name_uk": v.name_uk, "description": v.description, "version": v.version,
                "terms": [
                    {"code": t.code, "label_en": t.label_en, "label_uk": t.label_uk, "label_ru": t.label_ru, "label_crh": t.label_crh,
                     "description": t.description, "reference": t.reference, "order": t.order, "active": t.active}
                    for t in v.terms.all()
                ],
            }
            for v in Vocabulary.objects.prefetch_related("terms")
        ],
    }


# --- vocabulary editing on the web (issue 13, item 5): coordinators, no Django admin -------------

TERM_LANGS = ("en", "uk", "ru", "crh")


def _term_code(vocabulary: Vocabulary, label_en: str) -> str:
    """A code for a new term, made from its English label: codes appear only in import and export
    files and the API, so nobody has to invent one; a taken code gets a number."""
    from django.utils.text import slugify

    base = (slugify(label_en).replace("-", "_") or "term")[:55].strip("_") or "term"
    taken = set(Term.objects.filter(vocabulary=vocabulary, code__startswith=base).values_list("code", flat=True))
    code, number = base, 1
    while code in taken:
        number += 1
        code = f"{base}_{number}"
    return code


def _labels(labels: dict) -> dict:
    cleaned = {lang: " ".join((labels.get(lang) or "").split()) for lang in TERM_LANGS}
    if not cleaned["en"]:
        raise ValidationError({"label_en": _("Give the term's name in English: the other languages fall back to it.")})
    return cleaned


def _same_label(vocabulary: Vocabulary, labels: dict, *, other_than: Term | None = None) -> None:
    """Two active terms of one vocabulary may not read the same in a language: a person picking
    one could not tell them apart."""
    terms_ = Term.objects.filter(vocabulary=vocabulary, active=True)
    if other_than is not None:
        terms_ = terms_.exclude(pk=other_than.pk)
    errors = {}
    for lang, label in labels.items():
        if label and terms_.filter(**{f"label_{lang}__iexact": label}).exists():
            errors[f"label_{lang}"] = [_("Another term of this vocabulary is already called “%(label)s”.") % {"label": label}]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_term(*, actor, vocabulary: Vocabulary, labels: dict, description: str = "") -> Term:
    """A new active term at the end of ``vocabulary``, named in the working languages (English
    required); its code is made from the English label. Audited by :func:`save_term`."""
    require(actor, "vocabulary.edit")
    vocabulary = Vocabulary.objects.select_for_update().get(pk=vocabulary.pk)
    labels = _labels(labels)
    _same_label(vocabulary, labels)
    last = Term.objects.filter(vocabulary=vocabulary).aggregate(last=models.Max("order"))["last"] or 0
    return save_term(actor=actor, vocabulary=vocabulary, code=_term_code(vocabulary, labels["en"]), labels=labels,
                     description=description, order=last + 1)


@transaction.atomic
def rename_term(*, actor, term_obj: Term, labels: dict) -> Term:
    """Change a term's labels; its code, and every record that uses it, stay as they are."""
    require(actor, "vocabulary.edit")
    labels = _labels(labels)
    _same_label(term_obj.vocabulary, labels, other_than=term_obj)
    return save_term(actor=actor, vocabulary=term_obj.vocabulary, code=term_obj.code, labels=labels,
                     description=term_obj.description, reference=term_obj.reference, order=term_obj.order,
                     active=term_obj.active)


@transaction.atomic
def set_term_active(*, actor, term_obj: Term, active: bool) -> Term:
    """Deactivate a term (no longer offered for new records; records that use it keep it and still
    read its label) or make it active again. A term is never deleted: records and the audit log
    name it."""
    require(actor, "vocabulary.edit")
    if active:
        _same_label(term_obj.vocabulary, {lang: getattr(term_obj, f"label_{lang}") for lang in TERM_LANGS}, other_than=term_obj)
    return save_term(actor=actor, vocabulary=term_obj.vocabulary, code=term_obj.code,
                     labels={lang: getattr(term_obj, f"label_{lang}") for lang in TERM_LANGS},
                     description=term_obj.description, reference=term_obj.reference, order=term_obj.order, active=active)


@transaction.atomic
def move_term(*, actor, term_obj: Term, by: int) -> list[str]:
    """Move a term ``by`` places (-1 up, +1 down) in its vocabulary's order; the terms are numbered
    1, 2, 3... again. One audit entry for the vocabulary with the new order of codes; the version
    rises. Returns that order."""
    require(actor, "vocabulary.edit")
    vocabulary = Vocabulary.objects.select_for_update().get(pk=term_obj.vocabulary_id)
    ordered = list(Term.objects.filter(vocabulary=vocabulary).order_by("order", "code"))
    before = [t.code for t in ordered]
    index = next(i for i, t in enumerate(ordered) if t.pk == term_obj.pk)
    target = max(0, min(len(ordered) - 1, index + by))
    ordered.insert(target, ordered.pop(index))
    for number, item in enumerate(ordered, start=1):
        if item.order != number:
            Term.objects.filter(pk=item.pk).update(order=number)
    after = [t.code for t in ordered]
    if after != before:
        vocabulary.version += 1
        vocabulary.save(update_fields=["version", "updated_at"])
        record(actor=actor, action="update", object_type="incidents.vocabulary", object_id=vocabulary.code,
               object_repr=vocabulary.name_en, changes={"order": [before, after], "version": [vocabulary.version - 1, vocabulary.version]})
    return after
# --- drafts: the incident form as typed, kept for its author -----------------------------------------

# A form as typed is a few kilobytes; this bounds what a page may ask to be kept.
DRAFT_MAX_CHARS = 200_000


def _draft_target(actor, incident: Incident | None) -> str:
    if incident is None:
        require(actor, "incident.create")
        return ""
    require(actor, "incident.edit", incident)
    return incident.reference


@transaction.atomic
def save_draft(*, actor, incident: Incident | None = None, data: dict[str, list[str]], form_token: str = "") -> IncidentDraft | None:
    """Keep what ``actor`` typed into the form of a new incident (or of ``incident``) as their draft,
    replacing the one kept before; sealed at rest (:class:`~svidok.incidents.models.IncidentDraft`).
    ``form_token`` names the page it was typed on: once that page's form was saved or its draft
    discarded, a late autosave from it is dropped (None).

    Not audited: a draft is no record, it is written every few seconds while someone types, and
    the log is append-only, so every keystroke of a victim's name would stay there. What is
    saved from it is audited as usual.
    """
    target = _draft_target(actor, incident)
    text = json.dumps(data, ensure_ascii=False)
    if len(text) > DRAFT_MAX_CHARS:
        raise ValidationError(_("The draft is too long to be kept; save the incident instead."))
    draft = IncidentDraft.objects.select_for_update().filter(user=actor, target=target).first()
    if draft is None:
        draft = IncidentDraft(user=actor, target=target)
    elif not draft.content and form_token and draft.form_token == form_token:
        return None
    draft.content = crypto.seal(text, draft.seal_context())
    draft.saved_at = timezone.now()
    draft.form_token = form_token
    draft.save()
    return draft


@transaction.atomic
def discard_draft(*, actor, incident: Incident | None = None, form_token: str = "") -> bool:
    """Forget ``actor``'s draft of a new incident (or of ``incident``), typed on the page
    ``form_token``; True when there was one. Only their own draft is touched, so a role that may
    write drafts at all (``incident.create``) may discard one, even of an incident it may no longer edit."""
    require(actor, "incident.create")
    target = "" if incident is None else incident.reference
    had = IncidentDraft.objects.filter(user=actor, target=target).exclude(content="").exists()
    IncidentDraft.objects.update_or_create(
        user=actor, target=target, defaults={"content": "", "form_token": form_token, "saved_at": timezone.now()})
    return had
