"""Statistics over any incident queryset: the tables behind the charts of the statistics page, the
periodic report and the public portal (docs/statistics.md).

The caller decides what may be counted (``visible_incidents(user)``, the portal's published
incidents, a report's period): every function here takes a queryset and counts only in it. Every
count is an aggregate query in the database (GROUP BY), never a loop over incidents in Python, so
a table over 100,000 incidents costs what one over ten does, on SQLite and on PostgreSQL.

A :class:`Table` holds numbers (``int``, ``float``) and labels in the reader's language (the active
language when it is built); pages format the numbers per language, CSV keeps them plain.
"""

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from django.db.models import (
    Case,
    Count,
        DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import TruncMonth
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from svidok.audit.models import AuditEntry
from svidok.common.cells import csv_cell
from svidok.incidents.models import Election, Incident, Involvement, Place, Term

KEYS = ("by-month", "by-type", "by-region", "by-raion", "by-perpetrator-type", "by-victim-group", "by-status",
        "time-to-verification")

# The audit log keeps an incident's entries under this type and its reference (audit.services).
_INCIDENT_AUDIT_TYPE = "incidents.incident"

# Buckets of the time from recording to verification: upper bounds in days, exclusive; the last
# bucket ("more than a year") has none.
_WAIT_BOUNDS = (1, 8, 31, 91, 366)


@dataclass
class Table:
    """One statistic: its numbers as rows (first cell the label) under ``columns``.

    ``kind`` says how it is drawn ("timeline": months along, stacked by the columns after the
    first; "bars": one bar per row). ``note`` says what the numbers leave out (incidents without a
    place, without a verification on record), ``summary`` a figure in words (the median wait);
    ``marks`` are the election days on a timeline, ``months`` the first day of each timeline row."""

    key: str
    title: str
    columns: list[str]
    rows: list[list]
    kind: str = "bars"
    note: str = ""
    marks: list[tuple[dt.date, str]] = field(default_factory=list)
    summary: str = ""
    months: list[dt.date] = field(default_factory=list)
    empty: str = ""

    @property
    def total(self) -> int:
        """The sum of the last column (each row's count or total)."""
        return sum(row[-1] for row in self.rows if isinstance(row[-1], int | float))


def _base(incidents):
    """The incidents as a plain queryset, each once. A queryset over the incident table alone (as
    ``visible_incidents`` gives, its rules being EXISTS subqueries) is used as it is; one that joins
    other tables (a filter on tags, on the type's code) is rewritten as "id in (...)", since a join
    to a many-valued relation would count an incident twice. The rewrite is not free: SQLite took
    three times as long over a filtered half of 100,000 incidents (bench/statistics_bench.py)."""
    plain = incidents.order_by()
    if len(plain.query.alias_map) <= 1 and not plain.query.distinct and not plain.query.annotations:
        return plain
    return Incident.objects.filter(pk__in=plain.values("pk")).order_by()


def count(incidents) -> int:
    """How many incidents the queryset holds, each once (see :func:`_base`)."""
    return _base(incidents).count()


def _ids(incidents):
    return incidents.order_by().values("pk")


def _no_incidents() -> str:
    return _("No incidents to count: nothing matches these filters, or nothing has been recorded yet.")


def _terms_by_order(ids) -> list[Term]:
    return list(Term.objects.filter(pk__in=ids).order_by("order", "code"))


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def month_label(month: dt.date) -> str:
    """"March 2018", "Березень 2018": a month in the reader's language."""
    return formats.date_format(month, "YEAR_MONTH_FORMAT")


def by_month(incidents, *, visible_elections=None) -> Table:
    """Incidents per month of their (start) date and type, with the election days of the period."""
    base = _base(incidents)
    counts = list(
        base.annotate(month=TruncMonth("date_start")).values("month", "type_id").annotate(n=Count("id")).order_by("month")
    )
    types = _terms_by_order({row["type_id"] for row in counts})
    columns = [_("Month")] + [t.label for t in types] + [_("All types")]
    table = Table(key="by-month", title=_("Incidents per month, by type"), columns=columns, rows=[], kind="timeline",
                  empty=_no_incidents())
    if not counts:
        return table
    cells = {(row["month"], row["type_id"]): row["n"] for row in counts}
    months = _months(counts[0]["month"], counts[-1]["month"])
    for month in months:
        values = [cells.get((month, t.pk), 0) for t in types]
        table.rows.append([month_label(month), *values, sum(values)])
    table.months = months
    elections = Election.objects.all() if visible_elections is None else visible_elections
    last_day = (months[-1] + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    table.marks = [(e.date, e.display_name) for e in elections.filter(date__gte=months[0], date__lte=last_day).order_by("date")]
    undated = base.exclude(date_precision="day").count()
    if undated:
        table.note = ngettext(
            "%(count)s incident is known only to the month, year or a range: it is counted in the month it starts.",
            "%(count)s incidents are known only to the month, year or a range: each is counted in the month it starts.",
            undated,
        ) % {"count": formats.number_format(undated, force_grouping=True)}
    return table


def by_type(incidents) -> Table:
    base = _base(incidents)
    counts = {row["type_id"]: row["n"] for row in base.values("type_id").annotate(n=Count("id"))}
    types = sorted(_terms_by_order(counts), key=lambda t: -counts[t.pk])
    return Table(key="by-type", title=_("Incidents by type"), columns=[_("Type"), _("Incidents")],
                 rows=[[t.label, counts[t.pk]] for t in types], empty=_no_incidents())


# An incident placed at a region or raion as a whole counts for that region or raion itself (as on
# the dashboard): categories O (oblast) and K (city of special status) are regions, P a raion.
_REGION = Case(When(place__category__in=["O", "K"], then=F("place_id")), default=F("place__region_id"))
_RAION = Case(When(place__category="P", then=F("place_id")), default=F("place__raion_id"))


def _by_place(incidents, *, key: str, title: str, column: str, expression) -> Table:
    base = _base(incidents)
    counts = list(base.annotate(area=expression).exclude(area=None).values("area").annotate(n=Count("id")))
    places = Place.objects.in_bulk([row["area"] for row in counts])
    rows = sorted(([places[row["area"]].name, row["n"]] for row in counts), key=lambda r: (-r[1], r[0]))
    table = Table(key=key, title=title, columns=[column, _("Incidents")], rows=rows, empty=_no_incidents())
    total = base.count()
    if not total:
        return table
    no_place = base.filter(place=None).count()
    outside = total - no_place - sum(row["n"] for row in counts)
    notes = []
    if no_place:
        notes.append(ngettext("%(count)s incident has no place.", "%(count)s incidents have no place.", no_place)
                     % {"count": formats.number_format(no_place, force_grouping=True)})
    if outside and key == "by-raion":
        notes.append(ngettext("%(count)s incident is placed at a region as a whole, not in a raion.",
                              "%(count)s incidents are placed at a region as a whole, not in a raion.", outside)
                     % {"count": formats.number_format(outside, force_grouping=True)})
    elif outside:
        notes.append(ngettext("%(count)s incident is placed where the gazetteer names no region.",
                              "%(count)s incidents are placed where the gazetteer names no region.", outside)
                     % {"count": formats.number_format(outside, force_grouping=True)})
    table.note = " ".join(notes)
    if not rows:
        table.empty = _("No incident has a place in a region.") if key == "by-region" else _("No incident has a place in a raion.")
    return table


def by_region(incidents) -> Table:
    return _by_place(incidents, key="by-region", title=_("Incidents by region"), column=_("Region"), expression=_REGION)


def by_raion(incidents) -> Table:
    return _by_place(incidents, key="by-raion", title=_("Incidents by raion"), column=_("Raion"), expression=_RAION)


def by_perpetrator_type(incidents) -> Table:
    """Incidents per perpetrator type recorded on any of their involvements; an incident with
    perpetrators of two types counts once for each type."""
    base = _base(incidents)
    involvements = Involvement.objects.filter(incident__in=_ids(base), perpetrator_type__isnull=False)
    counts = {row["perpetrator_type"]: row["n"]
              for row in involvements.values("perpetrator_type").annotate(n=Count("incident", distinct=True)).order_by()}
    types = sorted(_terms_by_order(counts), key=lambda t: -counts[t.pk])
    table = Table(key="by-perpetrator-type", title=_("Incidents by perpetrator type"), columns=[_("Perpetrator type"), _("Incidents")],
                  rows=[[t.label, counts[t.pk]] for t in types], empty=_no_incidents())
    total = base.count()
    without = base.exclude(Exists(Involvement.objects.filter(incident=OuterRef("pk"), perpetrator_type__isnull=False))).count()
    if total and without and counts:
        table.note = ngettext("%(count)s incident has no perpetrator type recorded.",
                              "%(count)s incidents have no perpetrator type recorded.", without) % {
            "count": formats.number_format(without, force_grouping=True)}
    if total and not counts:
        table.empty = _("No incident has a perpetrator type recorded.")
    return table


# The "group" of a victim involvement: a person is one group (persons are not grouped further:
# Svidok records no ethnicity, profession or community of a person, and will not guess one); an
# organization is grouped by its kind (school, media, civil society...), or as "of no recorded kind".
_PERSONS, _NO_KIND = -1, 0


def by_victim_group(incidents) -> Table:
    """Incidents per victim group: victims recorded as persons, and victim organizations by their
    kind. An incident with victims of two groups counts once for each (docs/statistics.md)."""
    base = _base(incidents)
    group = Case(When(person__isnull=False, then=Value(_PERSONS)), When(organization__kind__isnull=False, then=F("organization__kind_id")),
                 default=Value(_NO_KIND), output_field=IntegerField())
    victims = Involvement.objects.filter(incident__in=_ids(base), role__code="victim", role__vocabulary__code="involvement_role")
    counts = {row["group"]: row["n"]
              for row in victims.annotate(group=group).values("group").annotate(n=Count("incident", distinct=True)).order_by()}
    kinds = {t.pk: t.label for t in _terms_by_order([k for k in counts if k > 0])}
    labels = {_PERSONS: _("Persons"), _NO_KIND: _("Organizations of no recorded kind"), **kinds}
    rows = sorted(([labels[k], n] for k, n in counts.items()), key=lambda r: (-r[1], r[0]))
    table = Table(key="by-victim-group", title=_("Incidents by victim group"), columns=[_("Victims"), _("Incidents")], rows=rows,
                  empty=_no_incidents())
    total = base.count()
    named = Involvement.objects.filter(incident=OuterRef("pk"), role__code="victim", role__vocabulary__code="involvement_role")
    without = base.exclude(Exists(named)).count()
    if total and without and counts:
        table.note = ngettext("%(count)s incident has no victim recorded as a person or organization.",
                              "%(count)s incidents have no victim recorded as a person or organization.", without) % {
            "count": formats.number_format(without, force_grouping=True)}
    if total and not counts:
        table.empty = _("No incident has a victim recorded as a person or organization.")
    return table


def by_status(incidents) -> Table:
    """Verified against reported: incidents per review status, in the order of the review."""
    base = _base(incidents)
    counts = {row["status"]: row["n"] for row in base.values("status").annotate(n=Count("id")).order_by()}
    rows = [[capfirst(str(label)), counts[code]] for code, label in Incident.Status.choices if counts.get(code)]
    table = Table(key="by-status", title=_("Verified and reported incidents"), columns=[_("Status"), _("Incidents")], rows=rows,
                  empty=_no_incidents())
    total = sum(counts.values())
    if total:
        verified = counts.get(Incident.Status.VERIFIED, 0)
        table.summary = ngettext("%(verified)s of %(count)s incident is verified (%(share)s%%).",
                                 "%(verified)s of %(count)s incidents are verified (%(share)s%%).", total) % {
            "verified": formats.number_format(verified, force_grouping=True), "count": formats.number_format(total, force_grouping=True),
            "share": formats.number_format(round(100 * verified / total), force_grouping=True)}
    return table


def _verifications():
    """The audit entries that set the (outer) incident's status to verified, newest first: a
    reopened and verified again incident counts from its last verification."""
    return AuditEntry.objects.filter(object_type=_INCIDENT_AUDIT_TYPE, object_id=OuterRef("reference"), action="status",
                                     changes__status__1=Incident.Status.VERIFIED).order_by("-id")


def _wait_counts(incidents) -> dict:
    """Verified incidents per bucket of their wait (index into the buckets; None: no verification
    on record). The bucket is computed inside the subquery that finds the verification, so the
    database evaluates it once per incident (a CASE over an annotation would repeat the subquery in
    every branch: 2.5 s instead of 1 s over 100,000 incidents on SQLite)."""
    whens = [When(created_at__lt=OuterRef("created_at") + Value(dt.timedelta(days=days)), then=Value(index))
             for index, days in enumerate(_WAIT_BOUNDS)]
    bucket = _verifications().annotate(bucket=Case(*whens, default=Value(len(_WAIT_BOUNDS)), output_field=IntegerField()))
    verified = _base(incidents).filter(status=Incident.Status.VERIFIED)
    rows = verified.annotate(bucket=Subquery(bucket.values("bucket")[:1], output_field=IntegerField())).values("bucket")
    return {row["bucket"]: row["n"] for row in rows.annotate(n=Count("id")).order_by()}


def _median(incidents, n: int) -> float:
    """The median wait in days of the ``n`` verified incidents whose verification is on record, read
    off the database in order: the one or two middle rows only (those without a verification sort
    last, so no second evaluation of the subquery filters them out)."""
    wait = _verifications().annotate(wait=ExpressionWrapper(F("created_at") - OuterRef("created_at"), output_field=DurationField()))
    waits = (_base(incidents).filter(status=Incident.Status.VERIFIED)
             .annotate(wait=Subquery(wait.values("wait")[:1], output_field=DurationField()))
             .order_by(F("wait").asc(nulls_last=True), "id").values_list("wait", flat=True))
    middle = list(waits[(n - 1) // 2:n // 2 + 1])
    return _days(sum(middle, dt.timedelta()) / len(middle))


def _days(value: dt.timedelta) -> float:
    return round(max(value.total_seconds(), 0) / 86400, 1)


def time_to_verification(incidents) -> Table:
    """How long verified incidents waited from being recorded in Svidok to their verification: a
    distribution in buckets and the median, all computed in the database (two queries over the
    verified incidents)."""
    counts = _wait_counts(incidents)
    untimed = counts.pop(None, 0)
    labels = [_("Within a day"), _("2 to 7 days"), _("8 to 30 days"), _("31 to 90 days"), _("91 to 365 days"), _("More than a year")]
    n = sum(counts.values())
    rows = [[labels[i], counts.get(i, 0)] for i in range(len(labels))] if n else []
    table = Table(key="time-to-verification", title=_("Time from recording to verification"),
                  columns=[_("Time to verification"), _("Incidents")], rows=rows, empty=_no_incidents())
    if not n and not untimed and _base(incidents).exists():
        table.empty = _("No incident is verified yet.")
    if n:
        median = _median(incidents, n)
        if median < 1:  # "0.0 days" reads as "verified at once"; what it means is within the day
            table.summary = ngettext(
                "Median: less than a day, over %(count)s verified incident.",
                "Median: less than a day, over %(count)s verified incidents.", n,
            ) % {"count": formats.number_format(n, force_grouping=True)}
        else:
            table.summary = ngettext(
                "Median: %(days)s days, over %(count)s verified incident.",
                "Median: %(days)s days, over %(count)s verified incidents.", n,
            ) % {"days": formats.number_format(median, decimal_pos=1), "count": formats.number_format(n, force_grouping=True)}
    if untimed:
        table.note = ngettext(
            "%(count)s verified incident has no verification in the change history (it was imported already verified): it is not counted.",
            "%(count)s verified incidents have no verification in the change history (they were imported already verified): they are not counted.",
            untimed,
        ) % {"count": formats.number_format(untimed, force_grouping=True)}
        if not n:
            # Nothing to draw: the note is the whole story, said once.
            table.empty, table.note = table.note, ""
    return table


def median_days(incidents) -> float | None:
    """The median time from recording to verification in days (None when nothing verified has its
    verification on record)."""
    counts = _wait_counts(incidents)
    n = sum(v for k, v in counts.items() if k is not None)
    return _median(incidents, n) if n else None


_BUILDERS = {
    "by-type": by_type,
    "by-region": by_region,
    "by-raion": by_raion,
    "by-perpetrator-type": by_perpetrator_type,
    "by-victim-group": by_victim_group,
    "by-status": by_status,
    "time-to-verification": time_to_verification,
}


def table(incidents, key: str, *, visible_elections=None) -> Table:
    """One table by its key (``KEYS``); a KeyError for an unknown key."""
    if key == "by-month":
        return by_month(incidents, visible_elections=visible_elections)
    return _BUILDERS[key](incidents)


def compute(incidents, *, visible_elections=None) -> list[Table]:
    """Every table over ``incidents``, in the order of ``KEYS``. ``visible_elections``: the
    elections whose days may be marked on the timeline (every election when None)."""
    return [table(incidents, key, visible_elections=visible_elections) for key in KEYS]


def table_csv(table: Table) -> str:
    """The table as CSV: headers in the reader's language, numbers plain, every cell safe for a
    spreadsheet (common.cells)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([csv_cell(c) for c in table.columns])
    for row in table.rows:
        writer.writerow([csv_cell(c) for c in row])
    return out.getvalue()


__all__ = ["KEYS", "Table", "compute", "count", "median_days", "month_label", "table", "table_csv"]
