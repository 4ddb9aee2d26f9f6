"""A sanctions proposal as a dossier (standalone HTML, PDF) and as a table for a sanctions desk (CSV, XLSX).

Both are built from one :class:`Dossier`, assembled for one reader: incidents the reader may not
see are left out (with their sources, unless another ground cites them), and nothing of a protected
person is ever shown (such persons cannot be members; the checks here are a second line).

Every statement of the dossier cites its sources by number: a post held cites the source of the
occupancy, an incident the sources linked to it, further evidence itself. The numbers follow the
order of first citation, and the list of sources at the end gives title, publisher, date and URL.

The dossier carries no narrative and no victim, but free text from incidents and editors (incident
titles, an involvement's details, statements of reasons, source titles) may hold a protected name
typed by hand. A proposal is shared with sanctions authorities: such a name is shown only with the
person's consent to sharing with :data:`RECIPIENT` (and the reader's clearance); otherwise it is
replaced by the pseudonym and listed in ``Dossier.redactions`` (``docs/redaction.md``).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from svidok.accounts.rules import require
from svidok.audit.services import record
from svidok.common.cells import csv_row, xlsx_cell
from svidok.incidents.models import Incident, IncidentSource, Involvement, Source
from svidok.incidents.queries import visible_incidents
from svidok.people.consent import Disclosure, Purpose
from svidok.people.freetext import Matcher
from svidok.people.merging import source_records
from svidok.people.models import NameVariant, Occupancy, PersonIdentity
from svidok.sanctions.models import Listing, Proposal, ProposalMember
from svidok.sanctions.services import is_listed, member_parties

REDACTION_COLUMNS = ["where", "field", "person", "shown", "reason"]
JURISDICTIONS = [j for j in Listing.Jurisdiction.values if j != Listing.Jurisdiction.OTHER]
SEPARATOR = "; "
RECIPIENT = "sanctions authorities"  # the partner a proposal is shared with, as a consent names it


def check_export(user) -> None:
    require(user, "proposal.export")


class Citations:
    """Sources numbered in the order they are first cited."""

    def __init__(self):
        self.numbers: dict[int, int] = {}
        self.sources: list[Source] = []

    def cite(self, source: Source | None) -> list[int]:
        if source is None:
            return []
        if source.pk not in self.numbers:
            self.sources.append(source)
            self.numbers[source.pk] = len(self.sources)
        return [self.numbers[source.pk]]


@dataclass
class PostClaim:
    title: str
    organization: str
    start_date: dt.date | None
    end_date: dt.date | None
    refs: list[int]
    occupancy: Occupancy | None = None

    @property
    def text(self) -> str:
        period = f"{self.start_date.isoformat() if self.start_date else '?'} – {self.end_date.isoformat() if self.end_date else ''}".strip()
        return f"{self.title}, {self.organization} ({period})"


@dataclass
class IncidentClaim:
    incident: Incident
    roles: list[str]
    refs: list[int]
    title: str = ""  # the incident's title as this dossier may show it

    @property
    def text(self) -> str:
        return f"{self.incident.reference} {self.title} ({self.incident.date_start.isoformat()}; {', '.join(self.roles)})"


@dataclass
class MemberDossier:
    member: ProposalMember
    kind: str  # "person" or "organization"
    name: str
    names: list[NameVariant]
    birth_date: dt.date | None
    organization_type: str
    grounds: str
    posts: list[PostClaim] = field(default_factory=list)
    incidents: list[IncidentClaim] = field(default_factory=list)
    evidence: list[tuple[Source, list[int]]] = field(default_factory=list)
    listings: list[Listing] = field(default_factory=list)
    listed: bool = False
    review_note: str = ""

    @property
    def listed_in(self) -> list[str]:
        """"European Union 2018-05-14", ... for each jurisdiction that lists the member now."""
        return [f"{li.jurisdiction_other or li.get_jurisdiction_display()} {li.date.isoformat() if li.date else ''}".strip()
                for li in self.listings if li.status == Listing.Status.LISTED]

    def names_in(self, script: str | None) -> list[str]:
        """Name variants written in ``script`` (Cyrl, Latn), or in any other script for ``None``."""
        known = ("Cyrl", "Latn")
        return [n.name for n in self.names if (n.script == script if script else n.script not in known)]


@dataclass
class Dossier:
    proposal: Proposal
    members: list[MemberDossier]
    citations: list[Source]
    generated: dt.datetime
    reader: str
    title: str = ""
    description: str = ""
    redactions: list[dict] = field(default_factory=list)

    @property
    def unlisted(self) -> list[MemberDossier]:
        return [m for m in self.members if not m.listed]


def _incidents_for(user):
    return visible_incidents(user)


def _names(member: ProposalMember) -> tuple[str, list[NameVariant], dt.date | None]:
    """Display name, every name variant (those of linked records too) and birth date of a member."""
    if member.organization_id:
        return member.organization.name, list(member.organization.names.all()), None
    person = member.person
    if person.protected:
        return person.pseudonym, [], None
    records = source_records(person)
    seen, names = set(), []
    for variant in NameVariant.objects.filter(person__in=records).order_by("-primary", "person_id", "id"):
        if variant.name not in seen:
            seen.add(variant.name)
            names.append(variant)
    # Identity values are sealed: read through instances, which open them (``people.models.SealedField``).
    birth = getattr(PersonIdentity.objects.filter(person__in=records, person__protected=False, birth_date__isnull=False)
                    .order_by("person_id").only("person_id", "birth_date").first(), "birth_date", None)
    # A canonical record's own birth date first; a linked record's when it has none.
    own = getattr(PersonIdentity.objects.filter(person=person, birth_date__isnull=False).only("person_id", "birth_date").first(),
                  "birth_date", None)
    return person.display_name, names, own or birth


def build_dossier(proposal: Proposal, user) -> Dossier:
    """Everything the exports show of ``proposal``, as ``user`` may see it (``None``: everything)."""
    check_export(user)
    citations = Citations()
    visible = _incidents_for(user)
    members = (proposal.members.select_related("person", "organization__kind", "reviewed_by")
               .prefetch_related(
                   Prefetch("occupancies", queryset=Occupancy.objects.select_related("position__organization__kind", "source", "person")
                            .order_by("start_date", "id")),
                   Prefetch("incidents", queryset=visible.select_related("type", "place").prefetch_related(
                       Prefetch("source_links", queryset=IncidentSource.objects.select_related("source").order_by("id")))
                            .order_by("date_start", "reference")),
                   Prefetch("sources", queryset=Source.objects.order_by("published_on", "title")),
                   Prefetch("listings", queryset=Listing.objects.select_related("reference_entity__reference_list", "source")),
               ))
    result = []
    for member in members:
        name, names, birth = _names(member)
        entry = MemberDossier(
            member=member, kind="person" if member.person_id else "organization", name=name, names=names, birth_date=birth,
            organization_type=member.organization.kind.label if member.organization_id and member.organization.kind_id else "",
            grounds=member.grounds, review_note=member.review_note,
        )
        for occupancy in member.occupancies.all():
            entry.posts.append(PostClaim(title=occupancy.position.title, organization=occupancy.position.organization.name,
                                         start_date=occupancy.start_date, end_date=occupancy.end_date,
                                         refs=citations.cite(occupancy.source), occupancy=occupancy))
        incidents = list(member.incidents.all())
        roles: dict[int, list[str]] = {}
        for involvement in (Involvement.objects.filter(incident__in=[i.pk for i in incidents], **member_parties(member))
                            .select_related("role").order_by("id")):
            label = involvement.role.label + (f": {involvement.details}" if involvement.details else "")
            roles.setdefault(involvement.incident_id, []).append(label)
        for incident in incidents:
            refs = [n for link in incident.source_links.all() for n in citations.cite(link.source)]
            entry.incidents.append(IncidentClaim(incident=incident, roles=roles.get(incident.pk, []), refs=refs, title=incident.title))
        for source in member.sources.all():
            entry.evidence.append((source, citations.cite(source)))
        entry.listings = sorted(member.listings.all(), key=lambda li: (li.jurisdiction == "other", li.jurisdiction, li.jurisdiction_other))
        entry.listed = is_listed(member)
        result.append(entry)
    dossier = Dossier(proposal=proposal, members=result, citations=citations.sources, generated=timezone.now(),
                      reader=getattr(user, "username", "") or _("the installation"),
                      title=proposal.title, description=proposal.description)
    _redact(dossier, Disclosure(actor=user, purpose=Purpose.PARTNER, partner=RECIPIENT))
    return dossier


def _redact(dossier: Dossier, disclosure: Disclosure) -> None:
    """Protected names in the dossier's free text replaced as ``disclosure`` decides, each listed."""
    sources = {id(s): s for s in dossier.citations} | {id(s): s for m in dossier.members for s, _refs in m.evidence}
    texts = [dossier.title, dossier.description, *(s.title for s in sources.values())]
    for entry in dossier.members:
        texts += [entry.grounds, entry.review_note, *(c.title for c in entry.incidents), *(r for c in entry.incidents for r in c.roles)]
    matcher = Matcher(texts)
    if not matcher:
        return

    def text(value: str, where: str, field_name: str) -> str:
        return disclosure.redact_text(value, where=where, field_name=field_name, matcher=matcher) if value else value

    proposal_label = _("the proposal")
    dossier.title = text(dossier.title, proposal_label, "title")
    dossier.description = text(dossier.description, proposal_label, "description")
    for entry in dossier.members:
        entry.grounds = text(entry.grounds, entry.name, "grounds")
        entry.review_note = text(entry.review_note, entry.name, "review note")
        for claim in entry.incidents:
            claim.title = text(claim.title, claim.incident.reference, "title")
            claim.roles = [text(role, claim.incident.reference, "role") for role in claim.roles]
    titles: dict[int, str] = {}
    for source in sources.values():
        if source.pk not in titles:
            number = next((n for n, s in enumerate(dossier.citations, start=1) if s.pk == source.pk), None)
            titles[source.pk] = text(source.title, f"[{number}]" if number else _("a source"), "source title")
        # These Source rows were loaded for this dossier alone and are never saved: the shown title replaces the stored one.
        source.title = titles[source.pk]
    dossier.redactions = [r.as_dict() for r in disclosure.redactions]


# --- HTML and PDF ------------------------------------------------------------------------------------


def dossier_html(proposal: Proposal, user) -> str:
    """The dossier as one self-contained HTML document (styles inline, nothing fetched)."""
    return render_to_string("sanctions/dossier.html", {"dossier": build_dossier(proposal, user)})


def dossier_pdf(proposal: Proposal, user, **options) -> bytes:
    """The dossier as PDF (WeasyPrint; DejaVu Sans for Cyrillic). Nothing is fetched from the network.
    ``options`` go to WeasyPrint's ``write_pdf`` (e.g. ``uncompressed_pdf=True`` to read it as text)."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # The document links its sources; it must never load them (nor anything else) while rendering.
    fetcher = URLFetcher(allowed_protocols=("data",))
    return HTML(string=dossier_html(proposal, user), url_fetcher=fetcher).write_pdf(**options)


# --- the sanctions desk table ------------------------------------------------------------------------


def desk_columns() -> list[str]:
    columns = ["member_id", "kind", "name", "names_cyrillic", "names_latin", "names_other", "birth_date",
               "organization_type", "positions", "grounds", "incidents", "sources"]
    for jurisdiction in JURISDICTIONS:
        columns += [f"{jurisdiction}_status", f"{jurisdiction}_date", f"{jurisdiction}_legal_act", f"{jurisdiction}_list_record"]
    return columns + ["other_jurisdictions", "listed_anywhere", "reviewed_by", "reviewed_at"]


def _listing_text(listing: Listing) -> str:
    text = f"{listing.jurisdiction_other or listing.jurisdiction} {listing.status}"
    if listing.date:
        text += f" {listing.date.isoformat()}"
    return text + (f" ({listing.legal_act})" if listing.legal_act else "")


def desk_rows(proposal: Proposal, user, *, with_redactions: bool = False):
    """One row per member: names in every script, birth date (never a protected person's), posts,
    the statement of reasons, incident references, cited sources and the status per jurisdiction."""
    dossier = build_dossier(proposal, user)
    rows = []
    for entry in dossier.members:
        row = {
            "member_id": entry.member.public_id, "kind": entry.kind, "name": entry.name,
            "names_cyrillic": SEPARATOR.join(entry.names_in("Cyrl")), "names_latin": SEPARATOR.join(entry.names_in("Latn")),
            "names_other": SEPARATOR.join(entry.names_in(None)),
            "birth_date": entry.birth_date.isoformat() if entry.birth_date else "",
            "organization_type": entry.organization_type,
            "positions": SEPARATOR.join(p.text for p in entry.posts),
            "grounds": entry.grounds,
            "incidents": SEPARATOR.join(f"{c.incident.reference} ({', '.join(c.roles)})" for c in entry.incidents),
            "sources": SEPARATOR.join(_source_line(dossier.citations[n - 1], n) for n in _member_refs(entry)),
            "listed_anywhere": "yes" if entry.listed else "no",
            "reviewed_by": getattr(entry.member.reviewed_by, "username", "") if entry.member.reviewed_at else "",
            "reviewed_at": entry.member.reviewed_at.isoformat(timespec="seconds") if entry.member.reviewed_at else "",
        }
        others = []
        for listing in entry.listings:
            if listing.jurisdiction == Listing.Jurisdiction.OTHER:
                others.append(_listing_text(listing))
                continue
            row |= {f"{listing.jurisdiction}_status": listing.status,
                    f"{listing.jurisdiction}_date": listing.date.isoformat() if listing.date else "",
                    f"{listing.jurisdiction}_legal_act": listing.legal_act,
                    f"{listing.jurisdiction}_list_record": _list_record(listing)}
        row["other_jurisdictions"] = SEPARATOR.join(others)
        rows.append({column: row.get(column, "") for column in desk_columns()})
    return (rows, dossier.redactions) if with_redactions else rows


def _list_record(listing: Listing) -> str:
    entity = listing.reference_entity
    return f"{entity.reference_list.name}:{entity.record_id}" if entity is not None else ""


def _member_refs(entry: MemberDossier) -> list[int]:
    refs = [n for p in entry.posts for n in p.refs] + [n for c in entry.incidents for n in c.refs] + [n for _s, r in entry.evidence for n in r]
    return sorted(set(refs))


def _source_line(source: Source, number: int) -> str:
    parts = [source.title, source.publisher, source.published_on.isoformat() if source.published_on else "", source.url]
    return f"[{number}] " + ", ".join(p for p in parts if p)


def write_csv(proposal: Proposal, user, output) -> int:
    """The desk table as CSV to a text handle; returns the number of rows."""
    rows = desk_rows(proposal, user)
    writer = csv.DictWriter(output, fieldnames=desk_columns(), lineterminator="\n")
    writer.writeheader()
    writer.writerows(csv_row(row) for row in rows)
    return len(rows)


def write_xlsx(proposal: Proposal, user, output) -> int:
    """The desk table as XLSX to a binary handle; every cell is plain text, never a formula."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    rows, redactions = desk_rows(proposal, user, with_redactions=True)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("members")
    columns = desk_columns()
    sheet.append(columns)

    def plain(target, values):
        cells = []
        for raw in values:
            value = xlsx_cell(raw)
            cell = WriteOnlyCell(target, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # openpyxl would otherwise store "=..." as a formula
            cells.append(cell)
        target.append(cells)

    for row in rows:
        plain(sheet, [row[column] for column in columns])
    listed = workbook.create_sheet("redactions")
    listed.append(REDACTION_COLUMNS)
    for redaction in redactions:
        plain(listed, [redaction[c] for c in REDACTION_COLUMNS])
    workbook.save(output)
    return len(rows)


# --- one entry point for the page and the command line ------------------------------------------------

# format -> (content type, file extension)
EXPORTS = {
    "html": ("text/html; charset=utf-8", "html"),
    "pdf": ("application/pdf", "pdf"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "ftm": ("application/x-ndjson; charset=utf-8", "ftm.json"),
}


_UNSAFE_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def file_name(proposal: Proposal, fmt: str, *, today: dt.date | None = None) -> str:
    """The export's file name, by the persons it proposes and the day (docs/wording.md): "Sanctions
    proposal – Petro Ivanenko and 2 more – 2026-12-03.pdf" in the reader's language. A member is
    named as everywhere (``display_name``, never a protected person's real name)."""
    names = [(m.person or m.organization).display_name
             for m in proposal.members.select_related("person", "organization").order_by("order", "id")]
    if not names:
        who = proposal.title
    elif len(names) == 1:
        who = names[0]
    else:
        who = _("%(name)s and %(count)d more") % {"name": names[0], "count": len(names) - 1}
    day = (today or timezone.localdate()).isoformat()
    stem = _UNSAFE_IN_FILE_NAMES.sub(" ", f"{_('Sanctions proposal')} – {who} – {day}")
    return f"{' '.join(stem.split())[:150]}.{EXPORTS[fmt][1]}"


def export_bytes(proposal: Proposal, user, fmt: str) -> bytes:
    """``proposal`` in ``fmt`` (a key of :data:`EXPORTS`) as ``user`` may export it. Each export is
    an audit entry on the proposal (who, which format, the file's SHA-256): a file that left Svidok
    can be traced to the export that made it."""
    check_export(user)
    if fmt not in EXPORTS:
        raise ValueError(f"unknown export format {fmt!r}")
    data = _export_bytes(proposal, user, fmt)
    with transaction.atomic():
        record(actor=user, action="export", obj=proposal,
               changes={"export": [None, {"format": fmt, "sha256": hashlib.sha256(data).hexdigest()}]})
    return data


def _export_bytes(proposal: Proposal, user, fmt: str) -> bytes:
    from svidok.sanctions import ftm

    if fmt == "html":
        return dossier_html(proposal, user).encode("utf-8")
    if fmt == "pdf":
        return dossier_pdf(proposal, user)
    if fmt == "xlsx":
        buffer = io.BytesIO()
        write_xlsx(proposal, user, buffer)
        return buffer.getvalue()
    text = io.StringIO()
    (write_csv if fmt == "csv" else ftm.write_ftm)(proposal, user, text)
    return text.getvalue().encode("utf-8")
