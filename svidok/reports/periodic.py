"""The periodic report: what happened around one "election", or in one period, in one place.

Written in the style human-rights groups publish: a title page that says who the report is for,
summary figures, a map, charts with their numbers, the forensic findings on the official results
where they were imported, the methodology, what is not known, and then the verified incidents one by
one with their sources. One :class:`Report` holds everything but the incidents, computed with
aggregate queries; the incidents are read in batches and written as they come, so a report over
100,000 incidents never sits in memory (``docs/periodic-report.md``, ``bench/periodic_report.py``).

Two purposes, said on the title page:

- **internal**: what the requesting user may see (``visible_incidents``), reported and verified;
  protected persons named as the user's clearance allows;
- **publication**: only verified incidents whose sensitivity is public; protected persons shown
  as their consent to publication allows (``people.consent.Disclosure``), withheld otherwise, and
  protected names typed into the free text replaced, exactly as a publication export does
  (``incidents.exporting.incident_items``).

The writers (HTML, PDF, DOCX) are in ``periodic_writers.py``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Count, Max, Min, Q
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from svidok.accounts.rules import require
from svidok.common.validation import public_id_in
from svidok.incidents.exporting import incident_items
from svidok.incidents.forms import resolve_place
from svidok.incidents.models import DatePrecision, Election, Incident, Place, Term
from svidok.incidents.queries import visible_incidents
from svidok.people.consent import Disclosure, Purpose

logger = logging.getLogger(__name__)

PURPOSES = (Purpose.INTERNAL, Purpose.PUBLICATION)
FORMATS = ("pdf", "html", "docx")
# Statuses a report counts: reported (submitted) and verified. Drafts are not yet reported; rejected
# incidents and duplicates are not incidents.
COUNTED = (Incident.Status.SUBMITTED, Incident.Status.VERIFIED)
LANGUAGES = ("en", "uk", "crh", "ru")


# --- what the report covers ------------------------------------------------------------------------


@dataclass
class Scope:
    """An election, or a period (both ends included); and optionally a place (with everything in it)."""

    election: Election | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    place: Place | None = None

    def options(self) -> dict:
        """The scope as the command line and a stored run keep it (public ids, ISO dates, a code)."""
        return {"election": self.election.public_id if self.election else "",
                "date_from": self.date_from.isoformat() if self.date_from else "",
                "date_to": self.date_to.isoformat() if self.date_to else "",
                "place": self.place.code if self.place else ""}

    def label(self) -> str:
        """What the report is about, in the active language: "Russian presidential election 2018 in
        Crimea", "1 March 2024 – 31 March 2024, Bakhchysarai"."""
        if self.election is not None:
            text = self.election.display_name
        else:
            text = f"{day(self.date_from)} – {day(self.date_to)}"
        if self.place is not None:
            text = f"{text}, {self.place.name}"
        return text

    def period_for_file(self) -> str:
        """The period in a file name: ISO dates sort and read in every language."""
        if self.election is not None:
            return self.election.date.isoformat()
        return f"{self.date_from.isoformat()} – {self.date_to.isoformat()}"

    def filter(self, incidents):
        if self.election is not None:
            incidents = incidents.filter(election=self.election)
        if self.date_from is not None:
            incidents = incidents.filter(date_start__gte=self.date_from)
        if self.date_to is not None:
            incidents = incidents.filter(date_start__lte=self.date_to)
        if self.place is not None:
            p = self.place
            # The place itself and everything within it (raion, hromada, settlement, city district).
            incidents = incidents.filter(Q(place=p) | Q(place__region=p) | Q(place__raion=p) | Q(place__parent=p)
                                         | Q(place__parent__parent=p))
        return incidents

    def elections(self) -> list[Election]:
        """The elections the report is about: the one chosen, or those held in the period."""
        if self.election is not None:
            return [self.election]
        return list(Election.objects.filter(date__gte=self.date_from, date__lte=self.date_to)
                    .select_related("territory").order_by("date", "name"))


def day(value: dt.date | None) -> str:
    return formats.date_format(value, "DATE_FORMAT") if value else ""


def _parse_date(key: str, value, label: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError({key: _("%(field)s: “%(value)s” is not a date; write it as 2024-03-31.")
                               % {"field": label, "value": str(value)[:40]}}) from None


def find_election(value) -> Election:
    """An election by its page's address or public id, or by its name in any language (whole name,
    case ignored). Several of one name: the message lists them with their dates."""
    if isinstance(value, Election):
        return value
    text = " ".join(str(value or "").split())
    public_id = public_id_in(text) if text else None
    if public_id:
        found = Election.objects.filter(uuid=public_id).first()
        if found is not None:
            return found
    matches = list(Election.objects.filter(Q(name__iexact=text) | Q(name_uk__iexact=text)).order_by("date"))
    if len(matches) == 1:
        return matches[0]
    if matches:
        listed = "; ".join(f"{e.display_name} ({day(e.date)})" for e in matches)
        raise ValidationError({"election": _("Several elections are called “%(name)s”: %(list)s. Give the address "
                                             "of the election's page instead.") % {"name": text, "list": listed}})
    raise ValidationError({"election": _("No election is called “%(name)s”. Give its name as the election "
                                         "list shows it, or the address of its page.") % {"name": text[:100]}})


def resolve_scope(*, election=None, date_from=None, date_to=None, place=None) -> Scope:
    """Check what the report is asked to cover; a ``ValidationError`` keyed by ``election``,
    ``date_from``, ``date_to`` or ``place`` names every problem in the active language."""
    errors: dict[str, list[str]] = {}

    def keep(error: ValidationError) -> None:
        for key, messages in error.message_dict.items():
            errors.setdefault(key, []).extend(messages)

    scope = Scope()
    has_election = bool(election) and str(election).strip() != ""
    has_period = date_from not in (None, "") or date_to not in (None, "")
    if has_election and has_period:
        errors["election"] = [_("Choose an election or a period, not both.")]
    elif not has_election and not has_period:
        errors["election"] = [_("Choose an election, or give the first and last day of a period.")]
    if has_election and not has_period:
        try:
            scope.election = find_election(election)
        except ValidationError as error:
            keep(error)
    if has_period and not has_election:
        for key, value, label in (("date_from", date_from, _("From")), ("date_to", date_to, _("To"))):
            try:
                parsed = _parse_date(key, value, label)
            except ValidationError as error:
                keep(error)
                continue
            if parsed is None:
                errors.setdefault(key, []).append(_("Give the first and the last day of the period."))
            setattr(scope, key, parsed)
        if scope.date_from and scope.date_to and scope.date_from > scope.date_to:
            errors.setdefault("date_to", []).append(
                _("The period ends (%(end)s) before it begins (%(start)s).") % {"end": day(scope.date_to),
                                                                                "start": day(scope.date_from)})
    if place not in (None, ""):
        if isinstance(place, Place):
            scope.place = place
        else:
            # Its name in any spelling or its KATOTTG code, as the incident form and list take it.
            try:
                scope.place = resolve_place(str(place)[:200])
            except ValidationError as error:
                errors.setdefault("place", []).extend(error.messages)
    if errors:
        raise ValidationError(errors)
    return scope


def scope_from_options(options: dict) -> Scope:
    return resolve_scope(election=options.get("election") or None, date_from=options.get("date_from") or None,
                         date_to=options.get("date_to") or None, place=options.get("place") or None)


# --- the report without its incidents --------------------------------------------------------------


@dataclass
class Forensics:
    """The findings on one election's official results, or why there are none."""

    election: Election
    has_results: bool = False
    result_set: object = None
    scope_label: str = ""
    summary: dict = field(default_factory=dict)
    integer_test: dict = field(default_factory=dict)
    shpilkin: dict = field(default_factory=dict)
    plots: dict = field(default_factory=dict)  # name -> SVG bytes
    plot_alts: dict = field(default_factory=dict)
    problem: str = ""
    precincts: object = None  # the analysed precincts, for the Word document's PNG plots


@dataclass
class Chart:
    table: object  # statistics.Table
    svg: str


@dataclass
class Report:
    actor: object
    scope: Scope
    purpose: Purpose
    language: str
    generated_on: dt.date
    title: str = ""
    subtitle: str = ""
    purpose_text: str = ""
    figures: list[tuple[str, str]] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    map_svg: str = ""
    map_features: list[dict] = field(default_factory=list)
    map_note: str = ""
    forensics: list[Forensics] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    methodology: list[str] = field(default_factory=list)
    counted: int = 0
    listed: int = 0
    redactions: int = 0  # filled while the incidents are written

    def incidents(self):
        """Every incident the report counts (the figures, the charts, the map)."""
        return counted_incidents(self.actor, self.scope, self.purpose)

    def listed_incidents(self):
        """The incidents listed one by one: the verified among the counted."""
        return self.incidents().filter(status=Incident.Status.VERIFIED)


def counted_incidents(actor, scope: Scope, purpose: Purpose):
    incidents = scope.filter(visible_incidents(actor)).filter(status__in=COUNTED)
    if purpose is Purpose.PUBLICATION:
        incidents = incidents.filter(status=Incident.Status.VERIFIED, sensitivity=Incident.Sensitivity.PUBLIC)
    return incidents


def check_allowed(actor) -> None:
    """A report is data leaving Svidok: the same rule as an export (admins, coordinators, analysts)."""
    require(actor, "data.export")


def build(*, actor, scope: Scope, purpose: Purpose | str = Purpose.INTERNAL, today: dt.date | None = None) -> Report:
    """Everything of the report but its list of incidents, in the active language."""
    check_allowed(actor)
    purpose = Purpose(purpose)
    if purpose not in PURPOSES:
        raise ValueError(f"a periodic report is internal or for publication, not {purpose.value}")
    from django.utils.translation import get_language

    report = Report(actor=actor, scope=scope, purpose=purpose, language=(get_language() or "en").split("-")[0],
                    generated_on=today or timezone.localdate())
    report.title = _("Pressure around the “elections” in occupied Ukraine")
    report.subtitle = scope.label()
    if purpose is Purpose.PUBLICATION:
        report.purpose_text = _("For publication. Only verified incidents whose sensitivity allows publication are "
                                "in this report. Protected persons appear only with their consent to publication; "
                                "otherwise they are withheld, and their names are removed from the text.")
    else:
        report.purpose_text = _("For internal use only. This report holds what its requester may see, reported and "
                                "verified incidents alike; protected persons are named only as the requester's "
                                "clearance allows. Do not publish it.")
    incidents = report.incidents()
    totals = incidents.aggregate(n=Count("id"), verified=Count("id", filter=Q(status=Incident.Status.VERIFIED)),
                                 no_place=Count("id", filter=Q(place=None)), places=Count("place", distinct=True),
                                 first=Min("date_start"), last=Max("date_start"))
    report.counted, report.listed = totals["n"], totals["verified"]
    unverified = totals["n"] - totals["verified"]
    report.figures = [(_("Incidents documented"), formats.number_format(totals["n"], force_grouping=True)),
                      (_("Verified"), formats.number_format(totals["verified"], force_grouping=True))]
    if purpose is Purpose.INTERNAL:
        report.figures.append((_("Reported, not yet verified"), formats.number_format(unverified, force_grouping=True)))
    report.figures.append((_("Places"), formats.number_format(totals["places"], force_grouping=True)))
    if totals["first"]:
        report.figures.append((_("First and last incident"), f"{day(totals['first'])} – {day(totals['last'])}"))
    report.charts = _charts(incidents)
    _map(report, incidents)
    report.forensics = [_forensics(election, scope) for election in scope.elections()]
    report.unknown = _unknown(report, totals, unverified)
    report.methodology = _methodology(report)
    return report


def _charts(incidents) -> list[Chart]:
    from svidok.reports import charts, statistics

    return [Chart(table=table, svg=charts.svg(table)) for table in statistics.compute(incidents)]


def _map(report: Report, incidents) -> None:
    """Points grouped by place and type in the database, not read per incident: the map of 100,000
    incidents costs a few thousand rows. ``geo.map_svg`` draws one circle per position and type with
    the number of its features, so a group's feature is repeated (the same dict, not copies) once per
    incident. A point's title is its type, never an incident's title (which could name a protected
    person in a report for publication)."""
    from svidok.reports import geo

    groups = list(incidents.exclude(place=None).values("place_id", "type_id").annotate(n=Count("id"), first=Min("id")))
    # A representative needs only what a map point shows (reference, dates); not its texts.
    representatives = (Incident.objects.only("id", "reference", "date_start", "date_end", "date_precision", "place_id",
                                             "type_id").in_bulk([g["first"] for g in groups]))
    places = Place.objects.select_related("raion", "region").in_bulk({g["place_id"] for g in groups})
    types = Term.objects.in_bulk({g["type_id"] for g in groups})
    unplaced = centred = 0
    for group in sorted(groups, key=lambda g: (-g["n"], g["first"])):
        incident = representatives[group["first"]]
        incident.place, incident.type = places[group["place_id"]], types[group["type_id"]]
        location = geo.incident_location(incident)
        if location is None:
            unplaced += group["n"]
            continue
        if location.precision != "place":
            centred += group["n"]
        point = geo.feature(incident=incident, title=incident.type.label, url="", location=location)
        report.map_features.extend([point] * group["n"])
    report.map_svg = geo.map_svg(report.map_features)
    notes = []
    if centred:
        notes.append(ngettext("%(count)d incident is placed at the centre of its raion or region: only that is known.",
                              "%(count)d incidents are placed at the centre of their raion or region: only that is known.",
                              centred) % {"count": centred})
    if unplaced:
        notes.append(ngettext("%(count)d incident's place has no coordinates and is not on the map.",
                              "%(count)d incidents' places have no coordinates and are not on the map.",
                              unplaced) % {"count": unplaced})
    report.map_note = " ".join(notes)


def _forensics(election: Election, scope: Scope) -> Forensics:
    """The election's latest imported results over its territory (or the occupied regions), as the
    election's results page computes them by default (same analysis, same seed)."""
    found = Forensics(election=election)
    result_set = election.result_sets.order_by("-imported_at").first()
    if result_set is None:
        return found
    from svidok.forensics import report as forensics_report
    from svidok.forensics.data import load_precincts
    from svidok.forensics.models import Precinct
    from svidok.forensics.regions import occupied_regions, regions_of_place
    from svidok.forensics.views import LIVE_REPLICATES, PLOT_ALTS, render_plot

    found.has_results, found.result_set = True, result_set
    territory = scope.place or election.territory
    regions = regions_of_place(territory.code) if territory is not None else ()
    if not regions:
        present = set(Precinct.objects.filter(result_set=result_set).values_list("region", flat=True).distinct())
        regions = occupied_regions(present)
    found.scope_label = ", ".join(regions) if regions else _("the whole file")
    try:
        result = forensics_report.analyze(result_set, regions=tuple(regions), replicates=LIVE_REPLICATES, seed=0)
    except ValueError:
        found.problem = _("The results hold no precinct with every number needed in this territory.")
        return found
    found.summary, found.integer_test, found.shpilkin = result["summary"], result["integer_test"], result["shpilkin"]
    precincts = found.precincts = load_precincts(result_set, regions=tuple(regions))
    for name in ("turnout", "fingerprint"):
        try:
            found.plots[name] = render_plot(name, precincts, "svg", scope=found.scope_label)
        except ValueError:
            continue
        found.plot_alts[name] = str(PLOT_ALTS[name])
    return found


def _unknown(report: Report, totals: dict, unverified: int) -> list[str]:
    unknown = []
    if not totals["n"]:
        unknown.append(_("No incident in this report's scope is documented in Svidok. That does not mean that none "
                         "happened: it means that none was reported to us, or none is verified yet."))
    if totals["no_place"]:
        unknown.append(ngettext("%(count)d incident has no known place: it is counted, but not on the map nor in the "
                                "figures by region.",
                                "%(count)d incidents have no known place: they are counted, but not on the map nor in "
                                "the figures by region.", totals["no_place"]) % {"count": totals["no_place"]})
    if report.map_note:
        unknown.append(report.map_note)
    if unverified and report.purpose is Purpose.INTERNAL:
        unknown.append(ngettext("%(count)d incident is reported but not yet verified: it is counted in the figures, "
                                "but not listed.",
                                "%(count)d incidents are reported but not yet verified: they are counted in the "
                                "figures, but not listed.", unverified) % {"count": unverified})
    if report.purpose is Purpose.PUBLICATION:
        unknown.append(_("Incidents not yet verified, and incidents kept internal to protect the people in them, are "
                         "not in this report: the figures are a floor, not a total."))
    for found in report.forensics:
        if not found.has_results:
            unknown.append(_("No official precinct results of “%(election)s” are imported: there are no forensic "
                             "findings on its count.") % {"election": found.election.display_name})
        elif found.problem:
            unknown.append(f"{found.election.display_name}: {found.problem}")
    for chart in report.charts:
        note = getattr(chart.table, "note", "")
        if note:
            unknown.append(f"{chart.table.title}: {note}")
    return unknown


def _methodology(report: Report) -> list[str]:
    paragraphs = [
        _("Svidok records incidents of pressure around the votes that Russia organises in occupied Ukrainian "
          "territory: dismissals, threats, searches, detentions and other acts meant to force people to take part. "
          "Each incident is recorded from its sources (testimonies, articles, documents, official acts) by a "
          "documenter, and verified by a coordinator who did not record it."),
        _("An incident counts here when it is reported (submitted for review) or verified; drafts, rejected "
          "incidents and duplicates do not. Only verified incidents are listed with their sources. An incident is "
          "counted on the day it began; an incident known only to its month or year is counted in that month."),
        _("An incident whose exact settlement is not known is placed at the centre of its raion or region, and the "
          "map says so. The map's base is the boundaries of the occupied regions and raions; no online map is used."),
        _("The forensic findings test the official precinct results of each vote with the established methods: "
          "turnout and result distributions, the election fingerprint (Klimek et al., 2012), the excess of whole "
          "percentages (Kobak, Shpilkin and Pshenichnikov, 2016) and Shpilkin's estimate of anomalous votes. They "
          "show how the official figures were produced, not how people voted."),
    ]
    if report.purpose is Purpose.PUBLICATION:
        paragraphs.append(_("Protected persons (victims and witnesses) appear only where they agreed to publication. "
                            "Where they did not, they are withheld entirely, and their names are removed from every "
                            "text quoted here."))
    else:
        paragraphs.append(_("Protected persons (victims and witnesses) are named only where the requester may see "
                            "identities; otherwise by their pseudonym."))
    return paragraphs


# --- the incidents, one by one ---------------------------------------------------------------------


def incident_entries(report: Report, *, batch: Callable[[int], None] | None = None) -> Iterator[dict]:
    """The listed incidents as the writers show them, redacted for the report's purpose, in date
    order; read in batches (``incidents.exporting``). ``batch(n)`` is told after each incident."""
    disclosure = Disclosure(actor=report.actor, purpose=report.purpose)
    labels = _labels()
    # The export item names its election in English; the report names it in its own language.
    labels.update({("election", e.name): e.display_name for e in Election.objects.all()})
    places: dict[str, str] = {}
    for item in incident_items(actor=report.actor, disclosure=disclosure, within=report.listed_incidents()):
        # Only how many: kept one by one, 100,000 incidents' redactions would fill the memory.
        report.redactions += len(disclosure.redactions)
        disclosure.redactions.clear()
        yield _entry(item, labels, places)
        if batch is not None:
            batch(1)
    report.redactions += len(disclosure.redactions)
    disclosure.redactions.clear()


def _labels() -> dict[tuple[str, str], str]:
    return {(t.vocabulary.code, t.code): t.label for t in Term.objects.select_related("vocabulary")}


def _place_name(code: str, places: dict[str, str]) -> str:
    if code not in places:
        if len(places) > 5000:
            places.clear()  # bounded: a report over many places looks names up again
        place = Place.objects.filter(code=code).first()
        places[code] = place.name if place else ""
    return places[code]


def date_text(start: dt.date, end: dt.date | None, precision: str) -> str:
    if precision == DatePrecision.MONTH:
        text = formats.date_format(start, "YEAR_MONTH_FORMAT")
    elif precision == DatePrecision.YEAR:
        text = str(start.year)
    else:
        text = day(start)
    if end and end != start:
        text = f"{text} – {day(end)}"
    if precision == DatePrecision.APPROXIMATE:
        text = _("about %(date)s") % {"date": text}
    return text


def _entry(item: dict, labels: dict, places: dict) -> dict:
    start = dt.date.fromisoformat(item["date_start"])
    end = dt.date.fromisoformat(item["date_end"]) if item["date_end"] else None
    place = _place_name(item["place"], places) if item["place"] else ""
    if item["place_text"]:
        place = f"{place} ({item['place_text']})" if place else item["place_text"]
    people = []
    for involvement in item["involvements"]:
        role = labels.get(("involvement_role", involvement["role"]), "")
        name = involvement["name"]
        if involvement.get("perpetrator_type"):
            name = f"{name} ({labels.get(('perpetrator_type', involvement['perpetrator_type']), '')})"
        people.append({"role": role, "name": name, "details": involvement.get("details", "")})
    sources = [{"title": s["title"], "publisher": s["publisher"], "url": s["url"],
                "date": day(dt.date.fromisoformat(s["published_on"])) if s["published_on"] else ""}
               for s in item["sources"]]
    return {"reference": item["reference"], "title": item["title"], "date": date_text(start, end, item["date_precision"]),
            "place": place or _("place not known"), "type": labels.get(("incident_type", item["type"]), ""),
            "election": labels.get(("election", item["election"]), item["election"]), "narrative": item["narrative"], "people": people, "sources": sources,
            "legal": [labels.get(("legal_qualification", code), "") for code in item["legal_tags"]]}
