"""Use cases for incidents, sources, interventions, elections and vocabularies.

Every function here is the only way its records are written: the web UI, the API, the CLI and
importers all call it. Each runs in one transaction and writes its audit entry inside it.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from svidok.accounts.rules import require
from svidok.audit.services import diff, record
from svidok.common.validation import (
    check_choice,
    check_not_future,
    check_range,
    check_required,
    check_text_size,
    collect,
)
from svidok.incidents import search_index
from svidok.incidents.models import (
    DatePrecision,
    Election,
    ElectionFigure,
    Incident,
    IncidentSource,
    Intervention,
    Involvement,
    ReferenceCounter,
    Source,
    Tag,
    Term,
    Vocabulary,
)

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
        lambda: check_text_size("title", fields.get("title"), 300),
        lambda: check_text_size("narrative", fields.get("narrative")),
        lambda: check_required("type", fields.get("type"), _("A type is required.")),
        _check_term("type", fields.get("type"), "incident_type"),
        lambda: check_required("date_start", fields.get("date_start"), _("A date is required.")),
        lambda: check_not_future("date_start", fields.get("date_start")),
        lambda: check_not_future("date_end", fields.get("date_end")),
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


def _set_tags(incident: Incident, legal_tags, tags) -> None:
    if legal_tags is not None:
        bad = [t.code for t in legal_tags if t.vocabulary.code != "legal_qualification"]
        if bad:
            raise ValidationError({"legal_tags": _("Not legal qualification codes: %(codes)s") % {"codes": ", ".join(bad)}})
        incident.legal_tags.set(legal_tags)
    if tags is not None:
        names = sorted({t.strip().lower() for t in tags if t and t.strip()})
        too_long = [n for n in names if len(n) > 60]
        if too_long:
            raise ValidationError({"tags": _("Tags are at most 60 characters long.")})
        incident.tags.set([Tag.objects.get_or_create(name=n)[0] for n in names])


@transaction.atomic
def record_incident(*, actor, fields: dict, legal_tags=None, tags=None, involvements=(), sources=()) -> Incident:
    """Create an incident (a draft) with its involvements and sources.

    ``involvements`` is a list of dicts ``{person | organization, role, perpetrator_type, details}``;
    ``sources`` a list of ``(Source, note)`` pairs.
    """
    require(actor, "incident.create")
    fields = {k: v for k, v in fields.items() if k in INCIDENT_FIELDS}
    validate_incident(fields)
    incident = Incident(**fields, created_by=actor if getattr(actor, "pk", None) else None)
    incident.reference = _next_reference(incident.date_start.year)
    incident.full_clean(exclude=["reference", "type", "place", "election", "legal_tags", "tags", "created_by"], validate_constraints=False)
    incident.save()
    _set_tags(incident, legal_tags, tags)
    record(actor=actor, action="create", obj=incident, changes=diff({}, snapshot(incident)))
    for involvement in involvements:
        _add_involvement(actor, incident, **involvement)
    for source, note in sources:
        _link_source(actor, incident, source, note)
    # Once, with every party: the parties' names are part of the incident's keys.
    search_index.index_incident(incident)
    return incident


@transaction.atomic
def update_incident(*, actor, incident: Incident, fields: dict, legal_tags=None, tags=None) -> Incident:
    require(actor, "incident.edit", incident)
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    before = snapshot(incident)
    merged = {name: getattr(incident, name) for name in INCIDENT_FIELDS}
    merged.update({k: v for k, v in fields.items() if k in INCIDENT_FIELDS})
    validate_incident(merged)
    for name, value in merged.items():
        setattr(incident, name, value)
    incident.save()
    _set_tags(incident, legal_tags, tags)
    changes = diff(before, snapshot(incident))
    if changes:
        record(actor=actor, action="update", obj=incident, changes=changes)
    search_index.index_incident(incident)
    return incident


def _set_status(actor, incident: Incident, status: str, reason: str = "", duplicate_of=None) -> Incident:
    before = {"status": incident.status, "status_reason": incident.status_reason, "duplicate_of": incident.duplicate_of}
    incident.status = status
    incident.status_reason = reason
    incident.duplicate_of = duplicate_of
    incident.save(update_fields=["status", "status_reason", "duplicate_of", "updated_at"])
    after = {"status": status, "status_reason": reason, "duplicate_of": duplicate_of}
    record(actor=actor, action="status", obj=incident, changes=diff(before, after))
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


@transaction.atomic
def verify_incident(*, actor, incident: Incident, reason: str = "") -> Incident:
    require(actor, "incident.review")
    incident = _locked(incident)
    _check_reviewable(actor, incident)
    return _set_status(actor, incident, Incident.Status.VERIFIED, reason)


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
def add_involvement(*, actor, incident: Incident, role: Term, person=None, organization=None,
                    perpetrator_type: Term | None = None, details: str = "") -> Involvement:
    require(actor, "incident.edit", incident)
    involvement = _add_involvement(actor, incident, role=role, person=person, organization=organization,
                                   perpetrator_type=perpetrator_type, details=details)
    search_index.index_incident(incident)
    return involvement


def _add_involvement(actor, incident: Incident, *, role: Term, person=None, organization=None,
                     perpetrator_type: Term | None = None, details: str = "") -> Involvement:
    """The involvement and its audit entry; the caller checked the actor and reindexes the incident."""
    errors = {}
    if (person is None) == (organization is None):
        errors["party"] = [_("Name exactly one person or one organization.")]
    if role is None or role.vocabulary.code != "involvement_role":
        errors["role"] = [_("An involvement role is required.")]
    if perpetrator_type is not None and perpetrator_type.vocabulary.code != "perpetrator_type":
        errors["perpetrator_type"] = [_("%(code)r is not a perpetrator type.") % {"code": perpetrator_type.code}]
    if len(details or "") > 500:
        errors["details"] = [_("Details are at most 500 characters long.")]
    if errors:
        raise ValidationError(errors)
    involvement = Involvement.objects.create(
        incident=incident, person=person, organization=organization, role=role,
        perpetrator_type=perpetrator_type, details=details or "",
    )
    record(
        actor=actor, action="link", obj=incident,
        changes={"involvement": [None, {"party": (person or organization).display_name, "role": role.code,
                                        "perpetrator_type": perpetrator_type.code if perpetrator_type else None,
                                        "details": details or ""}]},
    )
    return involvement


@transaction.atomic
def remove_involvement(*, actor, involvement: Involvement) -> None:
    incident = involvement.incident
    require(actor, "incident.edit", incident)
    party = involvement.party.display_name
    role = involvement.role.code
    involvement.delete()
    record(actor=actor, action="unlink", obj=incident, changes={"involvement": [{"party": party, "role": role}, None]})
    search_index.index_incident(incident)


@transaction.atomic
def link_source(*, actor, incident: Incident, source: Source, note: str = "") -> IncidentSource:
    require(actor, "incident.edit", incident)
    return _link_source(actor, incident, source, note)


def _link_source(actor, incident: Incident, source: Source, note: str = "") -> IncidentSource:
    if IncidentSource.objects.filter(incident=incident, source=source).exists():
        raise ValidationError({"source": _("This source is already linked to the incident.")})
    link = IncidentSource.objects.create(incident=incident, source=source, note=(note or "")[:500])
    record(actor=actor, action="link", obj=incident, changes={"source": [None, {"source": source.public_id, "title": source.title, "note": link.note}]})
    return link


@transaction.atomic
def unlink_source(*, actor, link: IncidentSource) -> None:
    incident = link.incident
    require(actor, "incident.edit", incident)
    source = link.source
    link.delete()
    record(actor=actor, action="unlink", obj=incident, changes={"source": [{"source": source.public_id, "title": source.title}, None]})


def validate_source(fields: dict) -> None:
    collect(
        lambda: check_required("title", fields.get("title"), _("A title is required.")),
        lambda: check_text_size("title", fields.get("title"), 500),
        lambda: check_required("kind", fields.get("kind"), _("A source type is required.")),
        _check_term("kind", fields.get("kind"), "source_type"),
        lambda: check_not_future("published_on", fields.get("published_on")),
        lambda: check_not_future("accessed_on", fields.get("accessed_on")),
        lambda: check_range("published_on", fields.get("published_on"), "accessed_on", fields.get("accessed_on")),
        lambda: check_text_size("excerpt", fields.get("excerpt")),
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
        lambda: check_not_future("date", fields.get("date")),
        lambda: check_text_size("description", fields.get("description")),
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
    )
    election = Election.objects.create(**fields)
    record(actor=actor, action="create", obj=election, object_repr=election.name, changes=diff({}, fields))
    return election


@transaction.atomic
def record_election_figure(*, actor, election: Election, fields: dict) -> ElectionFigure:
    require(actor, "election.edit")
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
    if data.get("format") != "svidok-vocabularies":
        raise ValidationError({"format": _("Not a Svidok vocabulary file.")})
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
