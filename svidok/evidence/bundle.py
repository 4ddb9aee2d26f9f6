"""Court bundles: incidents with their evidence, provable against the signed audit log, offline.

:func:`export_bundle` writes a ZIP straight to disk (never built in memory): the originals
byte-exact under ``evidence/``, ``manifest.json``, a signed tree head with its public key, every
audit entry about what is included with its inclusion proof, ``SHA256SUMS`` over every other file,
a standalone ``verify.py`` and a ``README.txt`` for the court (both in ``bundle_files/``).
:func:`verify_bundle` runs the same checks as ``verify.py`` on a ZIP, from the platform.

While it is written the bundle is ``<name>.partial`` beside its destination, renamed into place
only when complete; the partial file's path is noted under ``var/`` so that
:func:`remove_partial_bundles` (``svidok evidence cleanup``) deletes what a killed export left.
The export is recorded afterwards, with the bundle's SHA-256, as an "exported" custody entry on
every item it carries and an entry on every incident: the log then vouches for the file itself.

A bundle is for litigation (default) or for a named partner: a :class:`~svidok.people.consent.Disclosure`
decides how each protected person appears in the manifest, protected names in its free text are
replaced, and the manifest lists every redaction. An audit entry whose text names a person the
bundle may not name travels as its leaf hash only, marked withheld: its place under the signed head
is still proven, its content is not shown (``docs/redaction.md``).
"""

import base64
import contextlib
import hashlib
import io
import json
import os
import runpy
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from svidok.accounts.rules import require
from svidok.audit import log as audit_log
from svidok.audit.models import AuditEntry
from svidok.audit.services import object_type_of, record_each, texts_in
from svidok.evidence.models import EvidenceLink
from svidok.incidents.models import Incident, IncidentSource
from svidok.incidents.queries import visible_incidents
from svidok.people.consent import Disclosure, Purpose
from svidok.people.freetext import Matcher

PURPOSES = (Purpose.LITIGATION, Purpose.PARTNER)

FILES = Path(__file__).resolve().parent / "bundle_files"
CHUNK = 1024 * 1024
FORMAT = "svidok-court-bundle"


@dataclass
class BundleResult:
    path: Path
    sha256: str
    size: int
    incidents: list[str] = field(default_factory=list)
    items: int = 0
    entries: int = 0
    tree_size: int = 0
    withheld_entries: int = 0
    redactions: list[dict] = field(default_factory=list)


def _partials_dir() -> Path:
    path = Path(settings.VAR_DIR) / "bundles-in-progress"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def remove_partial_bundles() -> list[Path]:
    """Delete the partial files of exports that never finished (a killed process); returns them."""
    removed = []
    for note in _partials_dir().glob("*.path"):
        try:
            pid = int(note.stem)
        except ValueError:
            pid = 0
        if pid and _alive(pid):
            continue
        partial = Path(note.read_text(encoding="utf-8").strip())
        if partial.name.endswith(".partial") and partial.exists():
            partial.unlink()
            removed.append(partial)
        note.unlink(missing_ok=True)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- what goes in -----------------------------------------------------------------------------------


def _incidents(actor, references) -> list[Incident]:
    references = list(dict.fromkeys(r.strip() for r in references if r and r.strip()))
    if not references:
        raise ValidationError({"incident": _("Name at least one incident.")})
    found = {i.reference: i for i in visible_incidents(actor).filter(reference__in=references)
             .select_related("type", "place", "election")}
    missing = [r for r in references if r not in found]
    if missing:
        raise ValidationError({"incident": _("No incident %(reference)s that you may see.") % {"reference": missing[0]}})
    return [found[r] for r in references]


def _label(term) -> dict:
    return {"code": term.code, "label": term.label} if term is not None else None


class _Redactor:
    """The bundle's Disclosure with one blind-index lookup over all the texts it will read."""

    def __init__(self, disclosure: Disclosure, texts):
        self.disclosure = disclosure
        self.matcher = Matcher(texts)

    def text(self, value: str, where: str, field_name: str) -> str:
        if not value or not self.matcher:
            return value
        return self.disclosure.redact_text(value, where=where, field_name=field_name, matcher=self.matcher)


def _incident_texts(incident: Incident) -> list[str]:
    texts = [incident.title, incident.narrative, incident.place_text, incident.status_reason]
    return texts + [i.details for i in incident.involvements.all()]


def _incident_record(incident: Incident, redactor: _Redactor) -> dict:
    disclosure, where = redactor.disclosure, incident.reference
    involvements = []
    for involvement in (incident.involvements.select_related("role", "perpetrator_type", "person__identity", "organization")
                        .order_by("id")):
        party = involvement.person or involvement.organization
        protected = bool(involvement.person_id and party.protected)
        if protected:
            # The real name only with the person's consent for this bundle's purpose and the exporter's clearance.
            disclosure.note(where=where, field_name="involvements", person=party)
        involvements.append({
            "role": _label(involvement.role), "kind": "person" if involvement.person_id else "organization",
            "name": disclosure.label(party) if protected else party.display_name, "protected": protected,
            "perpetrator_type": _label(involvement.perpetrator_type),
            "details": redactor.text(involvement.details, where, "involvements.details"),
        })
    return {
        "reference": incident.reference, "title": redactor.text(incident.title, where, "title"), "type": _label(incident.type),
        "date_start": incident.date_start.isoformat(), "date_end": incident.date_end.isoformat() if incident.date_end else None,
        "date_precision": incident.date_precision,
        "place": {"code": incident.place.code, "name": incident.place.name} if incident.place_id else None,
        "place_text": redactor.text(incident.place_text, where, "place_text"),
        "election": incident.election.display_name if incident.election_id else None,
        "status": incident.status, "status_reason": redactor.text(incident.status_reason, where, "status_reason"),
        "confidence": incident.confidence, "narrative": redactor.text(incident.narrative, where, "narrative"),
        "legal_qualification": [_label(t) for t in incident.legal_tags.all().order_by("code")],
        "involvements": involvements,
        "sources": [link.source.public_id for link in incident.source_links.select_related("source").order_by("id")],
    }


def _source_record(source, redactor: _Redactor) -> dict:
    where = source.public_id
    return {
        "id": source.public_id, "type": _label(source.kind), "title": redactor.text(source.title, where, "title"),
        "publisher": source.publisher,
        "author": source.author, "url": source.url, "published_on": source.published_on.isoformat() if source.published_on else None,
        "accessed_on": source.accessed_on.isoformat() if source.accessed_on else None, "language": source.language,
        "grading": source.grading, "excerpt": redactor.text(source.excerpt, where, "excerpt"),
    }


def _entries_about(objects) -> list[AuditEntry]:
    """Every audit entry about ``objects``, in log order: one query per type and 500 ids."""
    ids: dict[str, list[str]] = {}
    for obj in objects:
        ids.setdefault(object_type_of(obj), []).append(str(obj.public_id))
    entries = []
    for object_type, values in ids.items():
        for start in range(0, len(values), 500):
            entries += AuditEntry.objects.filter(object_type=object_type, object_id__in=values[start:start + 500])
    return sorted(entries, key=lambda e: e.id)


def _entry_text(entry: AuditEntry) -> str:
    # The entry's words, one value per line: what an entry "says" of people is in its changes (its
    # actor is a staff account, whose username may share a word with a protected name).
    return "\n|\n".join(texts_in(entry.changes))


def _withheld_entries(entries: list[AuditEntry], redactor: _Redactor, leaf_of: dict[int, int]) -> dict[int, str]:
    """``{entry id: reason}`` of the entries naming a person this bundle may not name. The entry
    bytes are what the log's hash covers, so such an entry cannot travel redacted: it stays out."""
    withheld = {}
    for entry in entries:
        text = _entry_text(entry)
        before = len(redactor.disclosure.redactions)
        where = _("audit entry at leaf %(leaf)s") % {"leaf": leaf_of[entry.id]}
        if redactor.text(text, where, "audit entry") != text:
            reasons = sorted({r.reason for r in redactor.disclosure.redactions[before:]})
            withheld[entry.id] = _("names a protected person: %(reasons)s") % {"reasons": "; ".join(reasons)}
    return withheld


def _custody(entries: list[AuditEntry], withheld: dict[int, str] | None = None, leaf_of: dict[int, int] | None = None) -> list[dict]:
    withheld = withheld or {}
    records = []
    for e in entries:
        record_ = {"audit_entry": e.id, "time": e.created_at.isoformat(), "actor": e.actor_label, "action": e.action,
                   "details": e.changes}
        if e.id in withheld:
            record_ |= {"details": None, "withheld": withheld[e.id], "leaf_index": leaf_of[e.id]}
        records.append(record_)
    return records


def _safe_member(name: str) -> str:
    """A file name that is one plain path component inside the ZIP."""
    name = os.path.basename(name.replace("\\", "/")).strip() or "file"
    cleaned = "".join(c if (c.isalnum() or c in "._- ") else "_" for c in name).strip(" .") or "file"
    return cleaned[:120]


# --- writing ------------------------------------------------------------------------------------------


class _Writer:
    """Members written one after another, each hashed as it is written, for SHA256SUMS."""

    def __init__(self, archive: zipfile.ZipFile):
        self.archive = archive
        self.sums: dict[str, str] = {}

    def bytes(self, name: str, data: bytes, *, compress: bool = True) -> None:
        info = zipfile.ZipInfo(name, date_time=timezone.now().timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        self.archive.writestr(info, data)
        self.sums[name] = hashlib.sha256(data).hexdigest()

    def stream(self, name: str, handle) -> tuple[str, int]:
        info = zipfile.ZipInfo(name, date_time=timezone.now().timetuple()[:6])
        info.compress_type = zipfile.ZIP_STORED  # originals as they are: photos, PDFs and videos do not shrink
        info.external_attr = 0o644 << 16
        digest, size = hashlib.sha256(), 0
        with self.archive.open(info, mode="w", force_zip64=True) as member:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                digest.update(chunk)
                member.write(chunk)
                size += len(chunk)
        self.sums[name] = digest.hexdigest()
        return digest.hexdigest(), size


def _json(data) -> bytes:
    # Compact: json's C encoder does not indent, and an indented manifest of 10,000 items with their
    # custody takes seconds in the pure-Python one. Any JSON viewer lays it out for a reader.
    return (json.dumps(data, ensure_ascii=False) + "\n").encode("utf-8")


def export_bundle(*, actor, incidents, output: str | os.PathLike, purpose: Purpose | str = Purpose.LITIGATION,
                  partner: str = "") -> BundleResult:
    """Write the court bundle of ``incidents`` (references) to ``output`` and record the export.
    ``purpose`` is litigation (default) or a ``partner`` (named): it decides how protected persons appear.

    Needs ``evidence.bundle``; each incident must be one the actor may see. Items linked to the
    incidents or to their sources are included, withdrawn ones too (marked so); erased ones travel
    as records without their file. Raises ValidationError (nothing written) for an unknown incident,
    OSError when the destination cannot be written (the partial file is removed)."""
    require(actor, "evidence.bundle")
    try:
        purpose = Purpose(purpose)
    except ValueError:
        purpose = None
    if purpose not in PURPOSES:
        raise ValidationError({"purpose": _("A court bundle is for litigation or for a named partner.")})
    disclosure = Disclosure(actor=actor, purpose=purpose, partner=partner if purpose is Purpose.PARTNER else "")
    chosen = _incidents(actor, incidents)
    output = Path(output).resolve()
    if output.is_dir():
        raise ValidationError({"output": _("%(path)s is a folder; give a file name ending in .zip.") % {"path": output.name}})
    if not output.parent.is_dir():
        raise ValidationError({"output": _("The folder for %(path)s does not exist.") % {"path": output.name}})

    source_ids = set(IncidentSource.objects.filter(incident__in=chosen).values_list("source_id", flat=True))
    links = list(EvidenceLink.objects.filter(Q(incident__in=chosen) | Q(source_id__in=source_ids))
                 .select_related("item__blob", "incident", "source").order_by("id"))
    items = list(dict.fromkeys(link.item for link in links))
    sources = list({link.source_id: link.source for link in IncidentSource.objects.filter(incident__in=chosen)
                    .select_related("source__kind").order_by("id")}.values())

    audit_log.sequence()
    entries = _entries_about([*chosen, *sources, *items])
    head = audit_log.signed_head()
    tree_size = head["tree_size"]
    proofs = audit_log.inclusion_proofs([entry.id for entry in entries], tree_size) if entries else []
    public_key = audit_log.public_key_pem(head["key_id"])
    by_object: dict[tuple[str, str], list[AuditEntry]] = {}
    for entry in entries:
        by_object.setdefault((entry.object_type, entry.object_id), []).append(entry)
    leaf_of = {proof["entry_id"]: proof["leaf_index"] for proof in proofs}
    redactor = _Redactor(disclosure, [
        *(t for i in chosen for t in _incident_texts(i)), *(t for s in sources for t in (s.title, s.excerpt)),
        *(t for i in items for t in (i.description, i.status_reason, i.original_name)), *(link.description for link in links),
        *(_entry_text(e) for e in entries)])
    # Identities first: the manifest's incidents and sources, then each item as it is written, then the log.
    incident_records = [_incident_record(i, redactor) for i in chosen]
    source_records = [_source_record(s, redactor) for s in sources]

    partial = output.with_name(output.name + ".partial")
    note = _partials_dir() / f"{os.getpid()}.path"
    note.write_text(str(partial), encoding="utf-8")
    storage = storages["evidence"]
    try:
        with open(partial, "wb") as raw, zipfile.ZipFile(raw, mode="w", allowZip64=True) as archive:
            writer = _Writer(archive)
            evidence = []
            links_of: dict[int, list[EvidenceLink]] = {}
            for link in links:
                links_of.setdefault(link.item_id, []).append(link)
            for number, item in enumerate(items, start=1):
                item_links = links_of[item.pk]
                exhibit = next((link.exhibit for link in item_links if link.exhibit), "")
                where = exhibit or _("evidence item %(number)d") % {"number": number}
                original_name = redactor.text(item.original_name, where, "original_name")
                record_ = {
                    "id": item.public_id, "exhibits": [
                        {"exhibit": link.exhibit, "incident": link.incident.reference if link.incident_id else None,
                         "source": link.source.public_id if link.source_id else None,
                         "shows": redactor.text(link.description, link.exhibit or where, "shows")}
                        for link in item_links],
                    "exhibit": exhibit,
                    "original_name": original_name, "sha256": item.blob.sha256, "size": item.blob.size,
                    "media_type": item.blob.media_type, "status": item.status,
                    "status_reason": redactor.text(item.status_reason, where, "status_reason"),
                    "collected": {"method": item.method, "at": item.collected_at.isoformat() if item.collected_at else None,
                                  "by": item.collected_by, "origin": item.origin},
                    "metadata": item.metadata, "description": redactor.text(item.description, where, "description"),
                    "custody": by_object.get((object_type_of(item), item.public_id), []),
                    "file": None,
                }
                if item.blob.purged_at is None:
                    member = f"evidence/{number:04d}-{_safe_member(original_name)}"
                    with storage.open(item.blob.storage_name, "rb") as handle:
                        digest, size = writer.stream(member, handle)
                    if digest != item.blob.sha256 or size != item.blob.size:
                        raise ValidationError({"evidence": _(
                            "The stored bytes of %(name)s no longer match their recorded SHA-256; the bundle was not written."
                        ) % {"name": item.original_name}})
                    record_["file"] = member
                evidence.append(record_)
            withheld = _withheld_entries(entries, redactor, leaf_of)
            for record_ in evidence:
                record_["custody"] = _custody(record_["custody"], withheld, leaf_of)
            manifest = {
                "format": FORMAT, "version": 1, "exported_at": timezone.now().isoformat(),
                "exported_by": actor.username, "purpose": purpose.value, "partner": disclosure.partner,
                "audit": {"tree_size": tree_size, "root_hash": head["root_hash"], "entries": len(entries),
                          "withheld": len(withheld)},
                "incidents": [record_ | {"history": _custody(by_object.get((object_type_of(i), str(i.public_id)), []), withheld, leaf_of)}
                              for i, record_ in zip(chosen, incident_records, strict=True)],
                "sources": source_records,
                "evidence": evidence,
                "redactions": [r.as_dict() for r in disclosure.redactions],
            }
            writer.bytes("manifest.json", _json(manifest))
            writer.bytes("audit/sth.json", _json(head))
            writer.bytes("audit/public_key.pem", public_key.encode("ascii"))
            lines = [json.dumps(_proved_line(proof, withheld.get(proof["entry_id"])), separators=(",", ":"), ensure_ascii=False)
                     for proof in proofs]
            writer.bytes("audit/entries.jsonl", ("\n".join(lines) + "\n").encode("utf-8") if lines else b"")
            writer.bytes("verify.py", (FILES / "verify.py").read_bytes())
            writer.bytes("README.txt", (FILES / "README.txt").read_bytes())
            sums = "".join(f"{digest}  {name}\n" for name, digest in sorted(writer.sums.items()))
            archive.writestr(zipfile.ZipInfo("SHA256SUMS", date_time=timezone.now().timetuple()[:6]), sums.encode("utf-8"))
            raw.flush()
            os.fsync(raw.fileno())
        digest = hashlib.sha256()
        with open(partial, "rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                digest.update(chunk)
        os.replace(partial, output)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        note.unlink(missing_ok=True)

    result = BundleResult(path=output, sha256=digest.hexdigest(), size=output.stat().st_size,
                          incidents=[i.reference for i in chosen], items=len(items), entries=len(entries), tree_size=tree_size,
                          withheld_entries=len(withheld), redactions=manifest["redactions"])
    with transaction.atomic():
        details = {"bundle_sha256": result.sha256, "tree_size": tree_size, "incidents": result.incidents}
        record_each(actor=actor, action="export", objects=[*items, *chosen], changes={"bundle": [None, details]})
    return result


def _proved_line(proof: dict, withheld: str | None) -> dict:
    """A line of audit/entries.jsonl: the entry and its proof, or, withheld, only its leaf hash (the
    proof still leads from it to the signed root: the entry's place in the log is proven)."""
    if withheld is None:
        return {"leaf_index": proof["leaf_index"], "entry": proof["entry"], "audit_path": proof["audit_path"]}
    leaf = hashlib.sha256(b"\x00" + base64.b64decode(proof["entry"])).hexdigest()
    return {"leaf_index": proof["leaf_index"], "leaf_hash": leaf, "withheld": withheld, "audit_path": proof["audit_path"]}


# --- verifying from the platform ---------------------------------------------------------------


@dataclass
class BundleCheck:
    ok: bool
    lines: list[str]
    exit_code: int


def verify_bundle(path: str | os.PathLike) -> BundleCheck:
    """Unpack the ZIP into a private temporary folder (refusing members outside it) and run the
    bundle's checks (the same code as its ``verify.py``, from this installation, not the bundle's)."""
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="svidok-bundle-") as tmp:
        root = Path(tmp)
        try:
            with zipfile.ZipFile(path) as archive:
                for info in archive.infolist():
                    if info.is_dir():
                        continue
                    target = (root / info.filename).resolve()
                    if not target.is_relative_to(root.resolve()):
                        return BundleCheck(False, [f"FAIL {info.filename}: a path outside the bundle"], 1)
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with archive.open(info) as source, open(target, "wb") as out:
                        for chunk in iter(lambda: source.read(CHUNK), b""):
                            out.write(chunk)
        except (zipfile.BadZipFile, OSError) as error:
            return BundleCheck(False, [f"FAIL {path.name} is not a readable ZIP file: {error}"], 1)
        checker = runpy.run_path(str(FILES / "verify.py"))
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            code = checker["main"](["verify.py", str(root)])
        lines = buffer.getvalue().splitlines()
        return BundleCheck(code == 0, lines, code)
