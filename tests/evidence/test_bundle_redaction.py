"""Court bundles by purpose (issue 10, items 2 and 4): a protected person's real name travels only
with their consent for litigation or for the named partner; every redaction is in the manifest; an
audit entry naming a person the bundle may not name travels as its leaf hash, withheld, and the
bundle still verifies offline — and still fails on any tampering."""

import base64
import datetime as dt
import hashlib
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from svidok.accounts.models import Role
from svidok.evidence import bundle, services
from svidok.evidence.models import EvidenceItem
from svidok.incidents.services import add_involvement, update_incident
from svidok.people import consent as consents
from tests import factories
from tests.helpers import login, make_user

pytestmark = pytest.mark.django_db

NAME = "Ірина Коваленко"
TYPED = "Iryna Kovalenko"
PARTNER = "OSCE ODIHR"
STATEMENT = b"%PDF-1.4\n% written statement\n%%EOF\n"


@pytest.fixture(autouse=True)
def _audit_keys(settings, tmp_path):
    settings.SVIDOK_AUDIT_KEY = tmp_path / "audit-keys" / "signing-key.pem"
    settings.SVIDOK_AUDIT_PUBLIC_KEYS = tmp_path / "audit-keys" / "public-keys"


@pytest.fixture
def case(coordinator, documenter):
    """A victim whose name the documenter typed into the narrative, an involvement's details, the
    evidence's file name, description and "shows": each in the record and in its audit entries."""
    victim = factories.person(coordinator, name=NAME, protected=True)
    incident = factories.incident(documenter, title="Teacher dismissed for not voting",
                                  narrative=f"The director told {TYPED} to vote or leave.")
    update_incident(actor=documenter, incident=incident, fields={"place_text": "School No. 3"})
    add_involvement(actor=documenter, incident=incident, role=factories.term("involvement_role", "victim"), person=victim,
                    details=f"{TYPED} taught there for 20 years")
    statement = services.add_item(actor=documenter, file=io.BytesIO(STATEMENT), name="Iryna Kovalenko statement.pdf",
                                  incident=incident, method=EvidenceItem.Method.UPLOAD,
                                  description=f"Statement signed by {TYPED}", link_description=f"what {TYPED} was told")
    return incident, victim, statement


def give(coordinator, victim, purpose, state):
    if state == "absent":
        return
    consent = consents.record_consent(actor=coordinator, person=victim, purpose=purpose, given_on=dt.date(2024, 3, 1),
                                      method="written", partner=PARTNER if purpose == "partner" else "")
    if state == "withdrawn":
        consents.withdraw_consent(actor=coordinator, consent=consent, withdrawn_on=dt.date(2024, 6, 1), method="written")


def export(tmp_path, actor, incident, purpose="litigation", partner=""):
    return bundle.export_bundle(actor=actor, incidents=[incident.reference], output=tmp_path / "case.zip",
                                purpose=purpose, partner=partner)


def everything_readable(path: Path) -> str:
    """Every member's name and text, and the audit entries decoded: all a court would read."""
    parts = []
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            parts.append(info.filename)
            data = archive.read(info)
            if not info.filename.startswith("evidence/"):
                parts.append(data.decode("utf-8"))
            if info.filename == "audit/entries.jsonl":
                parts += [base64.b64decode(json.loads(line)["entry"]).decode() for line in data.decode().splitlines()
                          if "entry" in json.loads(line)]
    return "\n".join(parts)


def verify(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "verify.py"], cwd=root, capture_output=True, text=True)


def unpack(path: Path, into: Path) -> Path:
    with zipfile.ZipFile(path) as archive:
        archive.extractall(into)
    return into


@pytest.mark.parametrize("state", ["given", "withdrawn", "absent"])
@pytest.mark.parametrize("purpose", ["litigation", "partner"])
def test_real_name_travels_only_with_consent_and_every_redaction_is_listed(tmp_path, coordinator, case, purpose, state):
    incident, victim, statement = case
    give(coordinator, victim, purpose, state)

    result = export(tmp_path, coordinator, incident, purpose, PARTNER if purpose == "partner" else "")
    readable = everything_readable(result.path)
    root = unpack(result.path, tmp_path / "unpacked")
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    checked = verify(root)

    assert (manifest["purpose"], manifest["partner"]) == (purpose, PARTNER if purpose == "partner" else "")
    assert checked.returncode == 0, checked.stdout
    assert checked.stdout.splitlines()[-1] == "The bundle verifies."
    [record] = manifest["incidents"]
    if state == "given":
        assert record["involvements"][0]["name"] == NAME
        assert TYPED in record["narrative"] and TYPED in readable
        assert manifest["redactions"] == [] and manifest["audit"]["withheld"] == 0
        assert "withheld" not in checked.stdout
        return
    assert NAME not in readable and TYPED not in readable and "Kovalenko" not in readable
    assert record["involvements"][0]["name"] == victim.pseudonym
    assert record["narrative"] == f"The director told {victim.pseudonym} to vote or leave."
    [item] = manifest["evidence"]
    assert item["description"] == f"Statement signed by {victim.pseudonym}"
    assert item["exhibits"][0]["shows"] == f"what {victim.pseudonym} was told"
    assert item["original_name"] == f"{victim.pseudonym} statement.pdf"
    assert (root / item["file"]).read_bytes() == STATEMENT
    reason = ("withdrawn on 2024-06-01" if state == "withdrawn" else
              ("no consent for litigation" if purpose == "litigation" else f"no consent for sharing with {PARTNER}"))
    assert {(r["person"], r["shown"]) for r in manifest["redactions"]} == {(victim.pseudonym, "pseudonym")}
    assert all(reason in r["reason"] for r in manifest["redactions"])
    fields = {(r["where"], r["field"]) for r in manifest["redactions"]}
    assert {(incident.reference, "involvements"), (incident.reference, "narrative"), (incident.reference, "involvements.details"),
            (item["exhibit"], "description"), (item["exhibit"], "original_name"), (item["exhibit"], "shows")} <= fields
    # The entries that recorded the narrative, the details and the file name are withheld, and said so.
    withheld = [c for c in record["history"] + item["custody"] if c.get("withheld")]
    assert len(withheld) == manifest["audit"]["withheld"] == result.withheld_entries >= 3
    assert all(c["details"] is None and reason in c["withheld"] for c in withheld)
    assert {r["field"] for r in manifest["redactions"] if r["field"] == "audit entry"} == {"audit entry"}
    n = manifest["audit"]["withheld"]
    assert (f"ok   {n} entries withheld to protect identities: their place in the log is proven, "
            f"their content is not shown") in checked.stdout.splitlines()
    assert checked.stdout.splitlines()[-2] == ("ok   evidence: 1 files match the manifest; 0 of them a proved audit entry, "
                                               "1 only a withheld one (their tie to the log is not shown)")


def _rewrite(root: Path, name: str, change) -> None:
    """Change one member and update SHA256SUMS, as a forger would: only the signed log can tell."""
    path = root / name
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    sums = root / "SHA256SUMS"
    sums.write_text("".join(f"{digest}  {name}\n" if line.endswith(f"  {name}") else line + "\n"
                            for line in sums.read_text(encoding="utf-8").splitlines()), encoding="utf-8")


def _lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def _join(lines: list[dict]) -> str:
    return "\n".join(json.dumps(line, separators=(",", ":"), ensure_ascii=False) for line in lines) + "\n"


def test_an_altered_leaf_hash_of_a_withheld_entry_fails(tmp_path, coordinator, case):
    incident, *_ = case
    root = unpack(export(tmp_path, coordinator, incident).path, tmp_path / "unpacked")

    def alter(text):
        lines = _lines(text)
        line = next(line for line in lines if "withheld" in line)
        line["leaf_hash"] = hashlib.sha256(b"\x00" + b'{"forged":true}').hexdigest()
        return _join(lines)

    _rewrite(root, "audit/entries.jsonl", alter)
    checked = verify(root)

    assert checked.returncode == 1
    assert checked.stdout.splitlines()[-1].startswith("FAIL audit entry at leaf ")
    assert checked.stdout.splitlines()[-1].endswith("is not in the signed log")


def test_an_altered_kept_entry_fails(tmp_path, coordinator, case):
    incident, *_ = case
    root = unpack(export(tmp_path, coordinator, incident).path, tmp_path / "unpacked")

    def alter(text):
        lines = _lines(text)
        line = next(line for line in lines if "entry" in line)
        line["entry"] = base64.b64encode(base64.b64decode(line["entry"]).replace(b'"actor":"', b'"actor":"x')).decode()
        return _join(lines)

    _rewrite(root, "audit/entries.jsonl", alter)
    checked = verify(root)

    assert checked.returncode == 1
    assert checked.stdout.splitlines()[-1].endswith("is not in the signed log")


def test_a_kept_entry_passed_off_as_withheld_must_still_prove_its_place(tmp_path, coordinator, case):
    """Hiding a kept entry behind a withheld marker proves nothing new unless its leaf hash is right."""
    incident, *_ = case
    root = unpack(export(tmp_path, coordinator, incident).path, tmp_path / "unpacked")

    def alter(text):
        lines = _lines(text)
        line = next(line for line in lines if "entry" in line)
        line.pop("entry")
        line |= {"leaf_hash": "00" * 32, "withheld": "hidden"}
        return _join(lines)

    _rewrite(root, "audit/entries.jsonl", alter)
    assert verify(root).returncode == 1


def test_a_swapped_file_whose_collection_entry_is_kept_still_fails(tmp_path, coordinator, case, documenter):
    """The withheld exception covers only files whose collection entry is withheld."""
    incident, *_ = case
    services.add_item(actor=documenter, file=io.BytesIO(b"plain"), name="order.pdf", incident=incident,
                      method=EvidenceItem.Method.UPLOAD)
    root = unpack(export(tmp_path, coordinator, incident).path, tmp_path / "unpacked")
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    item = next(i for i in manifest["evidence"] if i["original_name"] == "order.pdf")
    (root / item["file"]).write_bytes(b"forged")
    forged = hashlib.sha256(b"forged").hexdigest()
    _rewrite(root, "manifest.json", lambda text: text.replace(item["sha256"], forged))
    _rewrite(root, item["file"], lambda text: text)

    checked = verify(root)

    assert checked.returncode == 1
    assert checked.stdout.splitlines()[-1].startswith(f"FAIL {item['file']}: no proved audit entry records")


def test_the_platform_verifier_reports_withheld_entries_too(tmp_path, coordinator, case):
    incident, *_ = case
    check = bundle.verify_bundle(export(tmp_path, coordinator, incident).path)
    assert check.ok and any("withheld to protect identities" in line for line in check.lines)


def test_a_bundle_is_for_litigation_or_a_named_partner(tmp_path, coordinator, case):
    incident, *_ = case
    with pytest.raises(ValidationError) as publication:
        export(tmp_path, coordinator, incident, purpose="publication")
    with pytest.raises(ValidationError) as nameless:
        export(tmp_path, coordinator, incident, purpose="partner")
    assert "purpose" in publication.value.message_dict and "partner" in nameless.value.message_dict
    assert not list(tmp_path.glob("*.zip*"))


def test_command_takes_a_partner_and_says_how_much_was_redacted(tmp_path, coordinator, case):
    incident, victim, _ = case
    give(coordinator, victim, "partner", "given")
    out = io.StringIO()
    call_command("bundle", "--incident", incident.reference, "-o", str(tmp_path / "a.zip"), "--purpose", "partner",
                 "--partner", "osce  odihr", stdout=out)
    assert out.getvalue().splitlines()[-1] == 'Redactions: 0; the list is in manifest.json ("redactions").'

    out = io.StringIO()
    call_command("bundle", "--incident", incident.reference, "-o", str(tmp_path / "b.zip"), "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["purpose"], data["redactions"] > 0, data["withheld_audit_entries"] > 0) == ("litigation", True, True)
    with pytest.raises(CommandError, match="--partner goes with --purpose partner"):
        call_command("bundle", "--incident", incident.reference, "-o", str(tmp_path / "c.zip"), "--partner", PARTNER)
    with pytest.raises(CommandError, match="Name the partner"):
        call_command("bundle", "--incident", incident.reference, "-o", str(tmp_path / "c.zip"), "--purpose", "partner")


def test_an_entry_is_withheld_for_what_it_says_not_for_who_wrote_it(tmp_path, coordinator):
    """A monitor whose username shares a word with a protected name ("iryna") writes entries that
    name nobody: they travel in clear."""
    factories.person(coordinator, name=NAME, protected=True)
    iryna = make_user(Role.DOCUMENTER, "iryna")
    incident = factories.incident(iryna, title="Teacher dismissed for not voting", narrative="The director told her to vote.")

    result = export(tmp_path, coordinator, incident)

    assert (result.withheld_entries, result.redactions) == (0, [])


def _save(response, path: Path) -> Path:
    with open(path, "wb") as out:
        for chunk in response.streaming_content:
            out.write(chunk)
    return path


def test_api_and_page_take_the_purpose_and_refuse_a_nameless_partner(api, client, tmp_path, coordinator, case, settings):
    incident, victim, _ = case
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    url = "/api/v1/evidence/bundles/"

    ok = api(coordinator).post(url, {"incidents": [incident.reference], "purpose": "partner", "partner": PARTNER}, format="json")
    nameless = api(coordinator).post(url, {"incidents": [incident.reference], "purpose": "partner"}, format="json")
    unknown = api(coordinator).post(url, {"incidents": [incident.reference], "purpose": "publication"}, format="json")

    assert ok.status_code == 200
    manifest = json.loads(zipfile.ZipFile(_save(ok, tmp_path / "api.zip")).read("manifest.json"))
    assert (manifest["purpose"], manifest["partner"]) == ("partner", PARTNER)
    assert TYPED not in json.dumps(manifest, ensure_ascii=False)
    assert nameless.status_code == 400 and "Name the partner the document is for." in json.dumps(nameless.json())
    assert unknown.status_code == 400 and "purpose" in unknown.json()

    login(client, coordinator)
    page = client.post(f"/evidence/bundle/{incident.reference}/", {"purpose": "partner", "partner": ""}, follow=True)
    assert [str(m) for m in page.context["messages"]] == ["The court bundle was not made: Name the partner the document is for."]
