"""Court bundles exported from the platform: layout, verification by `sha256sum -c`, by the bundle's
own verify.py and by `svidok verify-bundle`; tampering; pseudonyms; refusals; a killed export."""

import hashlib
import io
import json
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command

from svidok.audit.models import AuditEntry
from svidok.evidence import bundle, services
from svidok.evidence.models import EvidenceItem
from svidok.evidence.storage import CHUNK_SIZE
from svidok.incidents import services as incident_services
from svidok.incidents.models import Term
from tests import factories
from tests.evidence.conftest import SVIDOK

pytestmark = pytest.mark.django_db

ORDER = b"%PDF-1.4\n% dismissal order No. 17, 19 March 2018\n%%EOF\n"
PHOTO = bytes(range(256)) * 64


@pytest.fixture(autouse=True)
def _audit_keys(settings, tmp_path):
    settings.SVIDOK_AUDIT_KEY = tmp_path / "audit-keys" / "signing-key.pem"
    settings.SVIDOK_AUDIT_PUBLIC_KEYS = tmp_path / "audit-keys" / "public-keys"


@pytest.fixture
def case(coordinator, documenter):
    """An incident with a protected victim, a perpetrator, a source, and two evidence items."""
    incident = factories.incident(documenter, title="Teacher dismissed for not voting")
    victim_role = Term.objects.get(vocabulary__code="involvement_role", code="victim")
    incident_services.add_involvement(actor=documenter, incident=incident, role=victim_role,
                                      new_person={"name": "Olena Kovalenko-Synthetic"})
    order = services.add_item(actor=documenter, file=io.BytesIO(ORDER), name="order 17.pdf", incident=incident,
                              method=EvidenceItem.Method.UPLOAD, description="The dismissal order",
                              collected_by="field monitor", origin="scanned paper")
    photo = services.add_item(actor=documenter, file=io.BytesIO(PHOTO), name="../../etc/photo.bin", incident=incident,
                              method=EvidenceItem.Method.COMMAND)
    return incident, order, photo


def unpack(path: Path, into: Path) -> Path:
    with zipfile.ZipFile(path) as archive:
        archive.extractall(into)
    return into


def export(tmp_path, actor, incident, name="case.zip"):
    return bundle.export_bundle(actor=actor, incidents=[incident.reference], output=tmp_path / name)


def test_bundle_has_the_layout_and_verifies_three_ways(tmp_path, coordinator, case):
    incident, order, photo = case

    result = export(tmp_path, coordinator, incident)
    root = unpack(result.path, tmp_path / "unpacked")

    names = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    assert names == ["README.txt", "SHA256SUMS", "audit/entries.jsonl", "audit/public_key.pem", "audit/sth.json",
                     "evidence/0001-order 17.pdf", "evidence/0002-photo.bin", "manifest.json", "verify.py"]
    assert (root / "evidence/0001-order 17.pdf").read_bytes() == ORDER
    assert (root / "evidence/0002-photo.bin").read_bytes() == PHOTO
    sums = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=root, capture_output=True, text=True)
    assert sums.returncode == 0 and sums.stdout.count(": OK") == len(names) - 1
    own = subprocess.run([sys.executable, "verify.py"], cwd=root, capture_output=True, text=True)
    assert own.returncode == 0, own.stdout
    assert own.stdout.splitlines()[-1] == "The bundle verifies."
    out = io.StringIO()
    call_command("verify-bundle", str(result.path), stdout=out)
    assert out.getvalue().splitlines()[-1] == "The bundle verifies."
    assert result.sha256 == hashlib.sha256(result.path.read_bytes()).hexdigest()


def test_manifest_carries_hashes_exhibits_custody_and_the_head(tmp_path, coordinator, case):
    incident, order, photo = case

    result = export(tmp_path, coordinator, incident)
    with zipfile.ZipFile(result.path) as archive:
        manifest = json.loads(archive.read("manifest.json"))
        head = json.loads(archive.read("audit/sth.json"))
        lines = archive.read("audit/entries.jsonl").decode().splitlines()

    items = {i["original_name"]: i for i in manifest["evidence"]}
    assert items["order 17.pdf"]["sha256"] == hashlib.sha256(ORDER).hexdigest()
    assert (items["order 17.pdf"]["size"], items["order 17.pdf"]["media_type"]) == (len(ORDER), "application/pdf")
    assert [e["exhibit"] for e in items["order 17.pdf"]["exhibits"]] == [order.links.get().exhibit]
    assert [c["action"] for c in items["order 17.pdf"]["custody"]][:3] == ["collect", "upload", "link"]
    assert items["order 17.pdf"]["collected"] == {"method": "upload", "at": None, "by": "field monitor", "origin": "scanned paper"}
    assert manifest["incidents"][0]["reference"] == incident.reference
    assert manifest["audit"]["tree_size"] == head["tree_size"]
    # Every audit entry about the incident and its items is in entries.jsonl, and nothing else.
    about = AuditEntry.objects.filter(object_id__in=[incident.public_id, order.public_id, photo.public_id]).exclude(action="export")
    assert len(lines) == about.count() == manifest["audit"]["entries"]


def test_victims_travel_under_pseudonyms(tmp_path, coordinator, case):
    incident, *_ = case

    result = export(tmp_path, coordinator, incident)

    with zipfile.ZipFile(result.path) as archive:
        everything = b"".join(archive.read(name) for name in archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
    assert b"Kovalenko" not in everything
    victim = next(i for i in manifest["incidents"][0]["involvements"] if i["role"]["code"] == "victim")
    assert victim["protected"] is True and victim["name"] == incident.involvements.get(role__code="victim").person.pseudonym


def test_export_is_recorded_with_the_bundles_hash_on_each_item_and_incident(tmp_path, coordinator, case):
    incident, order, photo = case

    result = export(tmp_path, coordinator, incident)

    exports = AuditEntry.objects.filter(action="export")
    assert sorted(e.object_id for e in exports) == sorted([incident.public_id, order.public_id, photo.public_id])
    assert {e.changes["bundle"][1]["bundle_sha256"] for e in exports} == {result.sha256}


def test_a_changed_member_fails_verify_bundle_naming_it(tmp_path, coordinator, case):
    incident, *_ = case
    result = export(tmp_path, coordinator, incident)
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(result.path) as source, zipfile.ZipFile(forged, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, data.replace(b"dismissal order", b"dismissal notice") if info.filename.startswith("evidence/0001") else data)

    with pytest.raises(CommandError) as failed:
        call_command("verify-bundle", str(forged), stdout=io.StringIO())

    assert str(failed.value) == ("The bundle does not verify: evidence/0001-order 17.pdf does not have the SHA-256 "
                                 "that SHA256SUMS gives (changed after export)")


def test_a_member_escaping_the_bundle_is_refused(tmp_path):
    hostile = tmp_path / "hostile.zip"
    with zipfile.ZipFile(hostile, "w") as archive:
        archive.writestr("../outside.txt", b"x")

    check = bundle.verify_bundle(hostile)

    assert (check.ok, check.lines) == (False, ["FAIL ../outside.txt: a path outside the bundle"])
    assert not (tmp_path.parent / "outside.txt").exists()


def test_not_a_zip_is_a_clear_failure(tmp_path):
    path = tmp_path / "case.zip"
    path.write_bytes(b"not a zip")

    check = bundle.verify_bundle(path)

    assert check.ok is False and check.lines[0].startswith("FAIL case.zip is not a readable ZIP file")


def test_documenter_may_not_export_and_nothing_is_written(tmp_path, documenter, case):
    incident, *_ = case

    with pytest.raises(PermissionDenied):
        export(tmp_path, documenter, incident)

    assert list(tmp_path.glob("*.zip*")) == []


def test_unknown_or_invisible_incident_is_named_and_nothing_is_written(tmp_path, coordinator, viewer, case):
    with pytest.raises(ValidationError) as unknown:
        bundle.export_bundle(actor=coordinator, incidents=["SV-2018-999999"], output=tmp_path / "case.zip")

    assert unknown.value.messages == ["No incident SV-2018-999999 that you may see."]
    assert list(tmp_path.glob("*.zip*")) == []
    assert not AuditEntry.objects.filter(action="export").exists()


def test_refusals_are_in_the_readers_language(tmp_path, coordinator):
    from django.utils import translation

    with translation.override("uk"), pytest.raises(ValidationError) as unknown:
        bundle.export_bundle(actor=coordinator, incidents=["SV-2018-999999"], output=tmp_path / "case.zip")

    assert unknown.value.messages == ["Немає інциденту SV-2018-999999, який ви можете бачити."]


def test_command_prints_json_and_refuses_a_missing_folder(tmp_path, coordinator, case):
    incident, *_ = case
    out = io.StringIO()

    call_command("bundle", "--incident", incident.reference, "-o", str(tmp_path / "case.zip"), "--as", coordinator.username,
                 "--json", stdout=out)
    with pytest.raises(CommandError) as missing:
        call_command("bundle", "--incident", incident.reference, "-o", str(tmp_path / "nowhere" / "case.zip"))

    data = json.loads(out.getvalue())
    assert (data["incidents"], data["evidence_items"], Path(data["path"]).name) == ([incident.reference], 2, "case.zip")
    assert str(missing.value) == "The folder for case.zip does not exist."


def test_an_erased_original_travels_as_a_record_without_its_file(tmp_path, admin_user, coordinator, case):
    incident, order, photo = case
    services.purge_item(actor=admin_user, item=photo, reason="Court order 12/2026: takedown")

    result = export(tmp_path, coordinator, incident)
    root = unpack(result.path, tmp_path / "unpacked")

    manifest = json.loads((root / "manifest.json").read_text())
    erased = next(i for i in manifest["evidence"] if i["id"] == photo.public_id)
    assert (erased["file"], erased["status"]) == (None, "purged")
    assert not (root / "evidence" / "0002-photo.bin").exists()
    assert subprocess.run([sys.executable, "verify.py"], cwd=root, capture_output=True).returncode == 0


@pytest.mark.django_db(transaction=True)  # the child process commits: a flush, not a rollback, must clean up
def test_an_export_killed_midway_leaves_nothing_after_cleanup(process_env, tmp_path):
    """A real process exporting a bundle, killed with SIGKILL while it copies an original (its
    storage hands out one chunk and then waits forever): the partial ZIP is there, no export is
    recorded; `svidok evidence cleanup` removes the partial file; an export afterwards works."""
    env, _storage, _counts = process_env
    output = tmp_path / "case.zip"
    process = subprocess.Popen([sys.executable, "-c", KILLED_EXPORT, str(output)], env=env, cwd=ROOT,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    partial = output.with_name("case.zip.partial")
    deadline = time.monotonic() + 120
    while not (partial.exists() and partial.stat().st_size >= CHUNK_SIZE):
        assert process.poll() is None, process.stderr.read().decode()[-3000:]
        assert time.monotonic() < deadline, "the export never got going"
        time.sleep(0.01)  # polling for a state, not timing an assertion
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL
    for stream in (process.stdin, process.stdout, process.stderr):
        stream.close()
    reference = (tmp_path / "reference.txt").read_text()

    assert partial.exists() and not output.exists()
    assert exports(env) == 0

    done = subprocess.run([SVIDOK, "evidence", "cleanup", "--grace", "0"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "1 unfinished court bundle" in done.stdout
    assert not partial.exists() and not output.exists()
    assert exports(env) == 0

    done = subprocess.run([SVIDOK, "bundle", "--incident", reference, "-o", str(output)], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert bundle.verify_bundle(output).ok
    assert exports(env) == 2  # the item and the incident


def exports(env) -> int:
    done = subprocess.run([sys.executable, "-c", COUNT_EXPORTS], env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return int(done.stdout)


ROOT = Path(__file__).resolve().parents[2]

COUNT_EXPORTS = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")
import django
django.setup()
from svidok.audit.models import AuditEntry
print(AuditEntry.objects.filter(action="export").count())
"""

# The child: an incident with one 3-chunk original, then an export whose storage stalls after the
# first chunk (a stand-in for a slow disk), so the kill lands while the ZIP is half written.
KILLED_EXPORT = r"""
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "svidok.settings")
import django
django.setup()
from pathlib import Path
from django.core.files.storage import FileSystemStorage, storages
from svidok.accounts.services import system_account
from svidok.evidence.bundle import export_bundle
from svidok.evidence.models import EvidenceItem
from svidok.evidence.services import add_item
from svidok.evidence.storage import CHUNK_SIZE
from tests import factories

from django.core.management import call_command
from svidok.incidents.models import Term
if not Term.objects.exists():  # a fresh SQLite database of this process: the vocabularies first
    call_command("load_vocabularies", verbosity=0)
actor = system_account()
incident = factories.incident(actor, title="Large video")
output = Path(sys.argv[1])
(output.parent / "reference.txt").write_text(incident.reference)
big = output.parent / "video.bin"
big.write_bytes(os.urandom(3 * CHUNK_SIZE))
add_item(actor=actor, file=big, name="video.bin", incident=incident, method=EvidenceItem.Method.COMMAND)


class Stalling:
    def __init__(self, handle):
        self.handle, self.given = handle, False
    def read(self, size=-1):
        if self.given:
            sys.stdin.buffer.read()  # never answered: the parent kills this process
        self.given = True
        return self.handle.read(CHUNK_SIZE)
    def __enter__(self):
        return self
    def __exit__(self, *exc):
        self.handle.close()


real = storages["evidence"]
class StallingStorage(FileSystemStorage):
    def open(self, name, mode="rb"):
        return Stalling(real.open(name, mode))
storages._storages["evidence"] = StallingStorage(location=real.location)
export_bundle(actor=actor, incidents=[incident.reference], output=output)
"""
