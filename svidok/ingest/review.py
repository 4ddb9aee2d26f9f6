"""Review of the incidents that extraction proposes (issue 12, docs/news.md "Review").

These functions are the only writers of a candidate's fields and decision. Each runs in one
transaction, asks ``require(actor, "news.review")`` and writes its audit entry inside it:

- :func:`update_candidate`: the reviewer's corrections (type, date and its precision, place,
  number of victims, perpetrators); the evidence quote never changes, it is the article's words;
- :func:`accept_candidate`: a **draft** incident through ``incidents.services.record_incident``,
  citing the article with the quote, the matched registry persons and organizations linked as
  perpetrators. Victims' names are never copied into the incident: victims are protected persons
  and their names stay in the article;
- :func:`merge_candidate`: the article cited on an incident already recorded;
- :func:`reject_candidate`: with a reason.

Audit entries name the candidate's fields by codes and dates, never the victims.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from svidok.accounts.rules import can_edit_incident, require
from svidok.audit.services import diff, record
from svidok.common.validation import check_date, check_text, is_uuid
from svidok.incidents import services as incident_services
from svidok.incidents.models import Incident, IncidentSource, Place, Term
from svidok.ingest.models import Candidate
from svidok.people.models import Organization, Person

# Precisions a candidate's date may have (the extraction's ``date_precision``).
PRECISIONS = ("day", "month", "year")
# How far apart in time two reports of the same act may be dated (issue 12: "within ±31 days").
SIMILAR_DAYS = 31
SIMILAR_LIMIT = 10
MAX_PERPETRATORS = 20
NOTE_LIMIT = 500  # IncidentSource.note


def _snapshot(candidate: Candidate) -> dict:
    """What the audit log keeps of a candidate: codes, dates and the perpetrators as labelled,
    never the victims (protected persons) nor the quote (it may name them)."""
    return {
        "type": candidate.type.code if candidate.type_id else None,
        "date_start": candidate.date_start,
        "date_precision": candidate.date_precision,
        "place": candidate.place.code if candidate.place_id else None,
        "victim_count": candidate.victim_count,
        "perpetrators": [perpetrator_label(p) for p in candidate.perpetrators],
        "status": candidate.status,
    }


def perpetrator_label(entry: dict) -> str:
    """How a perpetrator reads: "Sergey Aksyonov (EU list)" when it matches a list entry, the
    registry's name when it matches the registry, else as the article wrote it."""
    match = entry.get("match") or {}
    if match.get("name") and match.get("list"):
        return f"{match['name']} ({match['list']})"
    return match.get("name") or entry.get("as_written", "")


def registry_party(entry: dict) -> Person | Organization | None:
    """The registry record a perpetrator's match names (its ``id`` a person's or an
    organization's UUID), if it is there and not protected; a list entry that is not in the
    registry gives ``None``."""
    match_id = str((entry.get("match") or {}).get("id") or "")
    if not is_uuid(match_id):
        return None
    person = Person.objects.filter(uuid=match_id, protected=False).first()
    if person is not None:
        while person.merged_into_id:  # the canonical record of a deduplicated person
            person = person.merged_into
        return None if person.protected else person
    return Organization.objects.filter(uuid=match_id).first()


def registry_ids(candidates) -> set[str]:
    """The perpetrators' match ids, among ``candidates``, that name a registry person (not
    protected) or organization: two queries for a whole page, where :func:`registry_party`
    reads one record at a time."""
    ids = {str((p.get("match") or {}).get("id") or "") for c in candidates for p in c.perpetrators}
    ids = {i for i in ids if is_uuid(i)}
    if not ids:
        return set()
    found = {str(u) for u in Person.objects.filter(uuid__in=ids, protected=False).values_list("uuid", flat=True)}
    found |= {str(u) for u in Organization.objects.filter(uuid__in=ids - found).values_list("uuid", flat=True)}
    return found


def _match_in_registry(name: str) -> dict | None:
    """The best registry person for a name the reviewer typed, as a perpetrator's ``match``."""
    from svidok.people import suggest

    found = suggest.candidates(name, limit=1)
    if not found:
        return None
    best = found[0]
    return {"name": best.person.display_name, "list": "", "score": best.score, "id": best.person.public_id}


def _set_perpetrators(candidate: Candidate, value) -> None:
    """The reviewer's perpetrators, names one per item: a name already on the candidate (as
    written, or as labelled) keeps its entry and match; a new name is matched against the
    registry (the best person above the matcher's threshold, or none)."""
    if not isinstance(value, (list, tuple)):
        raise ValidationError({"perpetrators": _("Perpetrators are a list of names.")})
    known = {}
    for entry in candidate.perpetrators:
        known.setdefault(entry.get("as_written", "").casefold(), entry)
        known.setdefault(perpetrator_label(entry).casefold(), entry)
    out, seen = [], set()
    for item in value:
        name = " ".join(str(item or "").split())
        if not name or name.casefold() in seen:
            continue
        seen.add(name.casefold())
        check_text("perpetrators", name)
        if len(name) > 300:
            raise ValidationError({"perpetrators": _("A name is at most 300 characters long.")})
        out.append(known.get(name.casefold()) or {"as_written": name, "kind": "person", "match": _match_in_registry(name)})
    if len(out) > MAX_PERPETRATORS:
        raise ValidationError({"perpetrators": _("At most %(n)d perpetrators.") % {"n": MAX_PERPETRATORS}})
    candidate.perpetrators = out


def _set_type(candidate: Candidate, value) -> None:
    if isinstance(value, str):
        value = incident_services.term("incident_type", value, field="type")
    if not isinstance(value, Term) or value.vocabulary.code != "incident_type":
        raise ValidationError({"type": _("A type of incident is required.")})
    candidate.type = value


def _set_date(candidate: Candidate, value) -> None:
    if value is not None and not isinstance(value, dt.date):
        raise ValidationError({"date_start": _("Enter a valid date.")})
    check_date("date_start", value)
    candidate.date_start = value


def _set_precision(candidate: Candidate, value) -> None:
    if value and value not in PRECISIONS:
        raise ValidationError({"date_precision": _("Choose day, month or year.")})
    candidate.date_precision = value or ""


def _set_place(candidate: Candidate, value) -> None:
    if value is not None and not isinstance(value, Place):
        raise ValidationError({"place": _("Choose a place of the gazetteer.")})
    candidate.place = value


def _set_victim_count(candidate: Candidate, value) -> None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 1_000_000):
        raise ValidationError({"victim_count": _("Enter a number of victims from 0 to 1,000,000.")})
    candidate.victim_count = value


# In this order: the precision is set after the date it qualifies.
SETTERS = {
    "type": _set_type, "date_start": _set_date, "date_precision": _set_precision, "place": _set_place,
    "victim_count": _set_victim_count, "perpetrators": _set_perpetrators,
}
EDITABLE = frozenset(SETTERS)


def _apply(candidate: Candidate, fields: dict) -> None:
    """Set the reviewer's corrections on ``candidate`` (unsaved); every problem at once, as one
    field-keyed error. A date without a precision is a day; no date has no precision."""
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"not editable on a candidate: {', '.join(sorted(unknown))}")
    errors: dict[str, list[str]] = {}
    for name, setter in SETTERS.items():
        if name in fields:
            try:
                setter(candidate, fields[name])
            except ValidationError as exc:
                for key, messages in exc.message_dict.items():
                    errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    if candidate.date_start is None:
        candidate.date_precision = ""
    elif not candidate.date_precision:
        candidate.date_precision = "day"


def _pending(candidate: Candidate) -> Candidate:
    """The candidate read again under a row lock; a field error unless it still waits for review."""
    locked = Candidate.objects.select_for_update(of=("self",)).select_related("article__source", "type", "place").get(pk=candidate.pk)
    if locked.status != Candidate.Status.PENDING:
        raise ValidationError({"status": _("This proposal was already decided: %(status)s.") % {
            "status": locked.get_status_display()}})
    return locked


def _decided(actor, candidate: Candidate, status: str, *, incident=None, reason: str = "") -> Candidate:
    candidate.status = status
    candidate.incident = incident
    candidate.reason = reason
    candidate.decided_by = actor if getattr(actor, "pk", None) else None
    candidate.decided_at = timezone.now()
    candidate.save()
    return candidate


@transaction.atomic
def update_candidate(*, actor, candidate: Candidate, fields: dict) -> Candidate:
    """Correct a pending candidate: ``fields`` any of ``type`` (an ``incident_type`` term or its
    code), ``date_start`` (a date or None), ``date_precision`` ("day", "month", "year"),
    ``place`` (a Place or None), ``victim_count``, ``perpetrators`` (names, one per item)."""
    require(actor, "news.review")
    candidate = _pending(candidate)
    before = _snapshot(candidate)
    _apply(candidate, fields)
    candidate.save()
    changes = diff(before, _snapshot(candidate))
    if changes:
        record(actor=actor, action="update", obj=candidate, changes=changes)
    return candidate


def incident_title(candidate: Candidate) -> str:
    """"Dismissal — Bakhchysarai — 17 March 2024", in the language active now (the reviewer's)."""
    parts = [candidate.type.label]
    if candidate.place_id:
        parts.append(candidate.place.name)
    elif candidate.place_as_written:
        parts.append(candidate.place_as_written)
    if candidate.date_start:
        fmt = {"year": "Y", "month": "YEAR_MONTH_FORMAT"}.get(candidate.date_precision, "DATE_FORMAT")
        parts.append(formats.date_format(candidate.date_start, fmt))
    return " — ".join(parts)[:300]


def _narrative(candidate: Candidate, unlinked: list[str]) -> str:
    article = candidate.article
    said = _("Read from an article of %(outlet)s published on %(date)s, cited among the sources; "
             "the evidence sentence is the citation's note.") % {
        "outlet": article.outlet or _("an outlet not named"),
        "date": formats.date_format(article.published_on, "DATE_FORMAT") if article.published_on else _("a date not known")}
    if unlinked:
        said += " " + _("Named as responsible in the article: %(names)s.") % {"names": "; ".join(unlinked)}
    return said


def _note(quote: str) -> str:
    quote = " ".join(quote.split())
    return quote if len(quote) <= NOTE_LIMIT else quote[:NOTE_LIMIT - 1] + "…"


@transaction.atomic
def accept_candidate(*, actor, candidate: Candidate, fields: dict | None = None) -> Incident:
    """Accept a candidate (with the reviewer's last corrections, ``fields`` as for
    :func:`update_candidate`): a draft incident citing the article, the evidence quote as the
    citation's note, the perpetrators matched in the registry linked as perpetrators and the
    others named in the narrative. The candidate is then ``accepted`` and points at it."""
    require(actor, "news.review")
    candidate = _pending(candidate)
    before = _snapshot(candidate)
    if fields:
        _apply(candidate, fields)
    if candidate.date_start is None:
        raise ValidationError({"date_start": _("Give the date of the incident before accepting it.")})
    perpetrator = incident_services.term("involvement_role", "perpetrator")
    involvements, unlinked, linked = [], [], set()
    for entry in candidate.perpetrators:
        party = registry_party(entry)
        if party is None:
            unlinked.append(perpetrator_label(entry))
        elif (party._meta.model_name, party.pk) not in linked:
            linked.add((party._meta.model_name, party.pk))
            involvements.append({party._meta.model_name: party, "role": perpetrator})
    precision = candidate.date_precision or "day"
    incident = incident_services.record_incident(actor=actor, fields={
        "title": incident_title(candidate), "type": candidate.type, "date_start": candidate.date_start,
        "date_precision": precision, "place": candidate.place,
        "place_text": "" if candidate.place_id else candidate.place_as_written[:300],
        "victim_count": candidate.victim_count, "narrative": _narrative(candidate, unlinked),
    }, involvements=involvements, sources=[{"source": candidate.article.source, "note": _note(candidate.evidence_quote)}])
    _decided(actor, candidate, Candidate.Status.ACCEPTED, incident=incident)
    record(actor=actor, action="status", obj=candidate, changes={
        **diff(before, _snapshot(candidate)), "incident": [None, incident.reference]})
    return incident


def similar_incidents(candidate: Candidate, user=None) -> list[Incident]:
    """Incidents that may report the same act: the article (or the copy it repeats) already
    cited, or the same type at the same place or in the same region within ±31 days. With a
    ``user``, only those the user may see. Duplicates are left out (their original is shown)."""
    from svidok.incidents.queries import visible_incidents

    article = candidate.article
    sources = [article.source_id]
    if article.duplicate_of_id:
        sources.append(article.duplicate_of.source_id)
    query = Q(source_links__source_id__in=sources)
    if candidate.date_start and candidate.place_id:
        place = candidate.place
        region_id = place.region_id or (place.pk if place.category == Place.Category.REGION else None)
        where = Q(place=place)
        if region_id:
            where |= Q(place_id=region_id) | Q(place__region_id=region_id)
        span = dt.timedelta(days=SIMILAR_DAYS)
        query |= where & Q(type_id=candidate.type_id, date_start__gte=candidate.date_start - span,
                           date_start__lte=candidate.date_start + span)
    incidents = visible_incidents(user) if user is not None else Incident.objects.all()
    found = (incidents.filter(query).exclude(status=Incident.Status.DUPLICATE).exclude(pk=candidate.incident_id or 0)
             .select_related("type", "place").distinct().order_by("-date_start", "-id"))
    return list(found[:SIMILAR_LIMIT])


@transaction.atomic
def merge_candidate(*, actor, candidate: Candidate, incident: Incident) -> Incident:
    """The candidate reports an incident already recorded: cite the article on it (the quote as
    the note), unless it is cited there already; the candidate is then ``merged``. Adding a
    source changes the incident, so the actor must also be allowed to edit it."""
    require(actor, "news.review")
    candidate = _pending(candidate)
    if incident.status == Incident.Status.DUPLICATE:
        raise ValidationError({"incident": _("%(ref)s is a duplicate; merge into %(orig)s instead.") % {
            "ref": incident.reference, "orig": incident.duplicate_of.reference}})
    if not can_edit_incident(actor, incident):
        raise ValidationError({"incident": _("You may not add a source to %(ref)s.") % {"ref": incident.reference}})
    source = candidate.article.source
    if not IncidentSource.objects.filter(incident=incident, source=source).exists():
        incident_services.link_source(actor=actor, incident=incident, source=source, note=_note(candidate.evidence_quote))
    _decided(actor, candidate, Candidate.Status.MERGED, incident=incident)
    record(actor=actor, action="status", obj=candidate, changes={
        "status": [Candidate.Status.PENDING, Candidate.Status.MERGED], "incident": [None, incident.reference]})
    return incident


@transaction.atomic
def reject_candidate(*, actor, candidate: Candidate, reason: str) -> Candidate:
    """Reject a candidate (not an incident, a prediction, a statement, read wrong): with a reason,
    which the rates page and the lexicon's maintainers read."""
    require(actor, "news.review")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the proposal is rejected.")})
    check_text("reason", reason, long=True)
    if len(reason) > 2000:
        raise ValidationError({"reason": _("A reason is at most 2,000 characters long.")})
    candidate = _pending(candidate)
    _decided(actor, candidate, Candidate.Status.REJECTED, reason=reason)
    record(actor=actor, action="status", obj=candidate, changes={
        "status": [Candidate.Status.PENDING, Candidate.Status.REJECTED], "reason": [None, reason]})
    return candidate


@dataclass(frozen=True)
class Rate:
    """How the proposals of one incident type fared. ``acceptance`` is the share of the decided
    ones that were accepted or merged (``None`` before any decision)."""

    type: Term
    proposed: int
    accepted: int
    merged: int
    rejected: int
    pending: int

    @property
    def decided(self) -> int:
        return self.accepted + self.merged + self.rejected

    @property
    def acceptance(self) -> float | None:
        return (self.accepted + self.merged) / self.decided if self.decided else None


def rates() -> list[Rate]:
    """Per incident type with proposals: proposed, accepted, merged, rejected, pending, in the
    vocabulary's order. The type is the candidate's as decided (a corrected type counts there)."""
    statuses = Candidate.Status
    rows = (Candidate.objects.values("type_id").annotate(
        proposed=Count("id"),
        accepted=Count("id", filter=Q(status=statuses.ACCEPTED)),
        merged=Count("id", filter=Q(status=statuses.MERGED)),
        rejected=Count("id", filter=Q(status=statuses.REJECTED)),
        pending=Count("id", filter=Q(status=statuses.PENDING)),
    ))
    counts = {row.pop("type_id"): row for row in rows}
    types = Term.objects.filter(pk__in=counts).order_by("order", "code")
    return [Rate(type=t, **counts[t.pk]) for t in types]
