"""The evidence section of the incident page (who sees what, in words), the upload page's answers
to its script (JSON per file), and the court bundle from the page and the API."""

import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image, ImageDraw

from svidok.audit.models import AuditEntry
from svidok.evidence import bundle, services
from svidok.evidence.models import EvidenceItem
from svidok.evidence.words import type_in_words
from tests.helpers import login

ORDER = b"%PDF-1.4\n% dismissal order No. 17, 19 March 2018\n%%EOF\n"
NOTE = b"The director said: vote, or you will not work here.\n"


@pytest.fixture(autouse=True)
def _audit_keys_and_temp(settings, tmp_path):
    settings.SVIDOK_AUDIT_KEY = tmp_path / "audit-keys" / "signing-key.pem"
    settings.SVIDOK_AUDIT_PUBLIC_KEYS = tmp_path / "audit-keys" / "public-keys"
    temp = tmp_path / "upload-temp"
    temp.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(temp)
    return temp


def add(actor, data: bytes, name: str, incident=None, **kwargs):
    return services.add_item(actor=actor, file=io.BytesIO(data), name=name, incident=incident,
                             method=EvidenceItem.Method.UPLOAD, **kwargs)


def png(shift: int = 0, size=(320, 240)) -> bytes:
    image = Image.new("RGB", size, (240, 240, 230))
    draw = ImageDraw.Draw(image)
    draw.rectangle((30 + shift, 50, 160, 220), fill=(30, 60, 160))
    draw.ellipse((180, 20, 300, 140), fill=(200, 40, 40))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def page(client, incident):
    return client.get(reverse("incidents:detail", args=[incident.reference]))


def section(response) -> str:
    html = response.content.decode()
    start = html.index('<section id="evidence"')
    return html[start:html.index("</section>", start)]


# --- the section -------------------------------------------------------------------------------------------


def test_section_lists_the_exhibits_in_words(client, documenter, coordinator, verified):
    order = add(documenter, ORDER, "order 17.pdf", verified, link_description="The dismissal order")
    note = add(documenter, NOTE, "note.txt", verified)
    services.withdraw_item(actor=coordinator, item=note, reason="A copy of E-1")
    login(client, documenter)

    response = page(client, verified)

    assert response.status_code == 200
    html = section(response)
    assert "E-1" in html and "E-2" in html and html.index("E-1") < html.index("E-2")
    assert "order 17.pdf" in html and "The dismissal order" in html
    assert "PDF document" in html and "plain text" in html
    assert "application/pdf" not in html
    assert f'title="{order.blob.sha256}"' in html
    assert "withdrawn" in html and "A copy of E-1" in html
    assert reverse("evidence:item", args=[order.uuid]) in html
    assert "documenter" in html
    assert str(order.uuid) not in html.replace(reverse("evidence:item", args=[order.uuid]), "")


def test_evidence_section_comes_before_the_captures(client, documenter, verified):
    login(client, documenter)
    html = page(client, verified).content.decode()
    assert html.index('id="evidence"') < html.index('id="captures"')


def test_erased_and_near_duplicates_are_said_plainly(client, documenter, admin_user, verified):
    first = add(documenter, png(), "photo.png", verified)
    add(documenter, png(shift=4), "forwarded photo.png", verified)
    text = add(documenter, NOTE, "note.txt", verified)
    services.purge_item(actor=admin_user, item=text, reason="Court order 12/2026")
    login(client, documenter)

    html = section(page(client, verified))

    assert first.phash
    assert html.count("looks like another image") == 2
    assert "erased (legal takedown)" in html


@pytest.mark.parametrize(("role", "add_files", "court_bundle"), [
    ("admin_user", True, True), ("coordinator", True, True), ("documenter", True, False),
    ("analyst", False, False), ("viewer", False, False)])
def test_buttons_by_role(request, client, verified, role, add_files, court_bundle):
    user = request.getfixturevalue(role)
    login(client, user)
    html = section(page(client, verified))
    assert ("Add files" in html) is add_files
    assert ("Court bundle" in html) is court_bundle


def test_viewer_sees_exhibits_of_visible_incidents_only(client, documenter, viewer, verified, draft):
    shown = add(documenter, ORDER, "order 17.pdf", verified)
    hidden = add(documenter, NOTE, "draft note.txt", draft)
    login(client, viewer)

    html = section(page(client, verified))
    assert "order 17.pdf" in html and "draft note.txt" not in html
    assert page(client, draft).status_code == 404
    assert client.get(reverse("evidence:item", args=[hidden.uuid])).status_code == 404
    assert client.get(reverse("evidence:item", args=[shown.uuid])).status_code == 200


def test_section_in_ukrainian(client, documenter, verified):
    add(documenter, ORDER, "order 17.pdf", verified)
    login(client, documenter)
    client.cookies["django_language"] = "uk"
    html = section(client.get(reverse("incidents:detail", args=[verified.reference]), HTTP_ACCEPT_LANGUAGE="uk"))
    assert "Докази" in html and "Додати файли" in html and "Документ PDF" in html


def test_type_in_words():
    assert type_in_words("application/pdf") == "PDF document"
    assert type_in_words("image/x-unknown") == "image"
    assert type_in_words("application/x-whatever") == "other file"
    assert type_in_words("") == "other file"


# --- the upload page ---------------------------------------------------------------------------------------


def test_add_files_opens_the_upload_form_of_the_incident(client, documenter, verified):
    login(client, documenter)
    response = client.get(reverse("evidence:upload") + f"?incident={verified.reference}")
    html = response.content.decode()
    assert f'value="{verified.reference}"' in html
    assert "svidok/upload.js" in html and "data-dropzone" in html
    assert "Back to " + verified.reference in html


def post_one(client, incident, name, data):
    return client.post(reverse("evidence:upload"), {"files": [SimpleUploadedFile(name, data)], "incident": incident.reference},
                       HTTP_ACCEPT="application/json")


def test_script_gets_each_files_outcome_as_json(client, documenter, verified):
    login(client, documenter)

    first = post_one(client, verified, "order 17.pdf", ORDER)
    again = post_one(client, verified, "order copy.pdf", ORDER)

    assert first.status_code == 201
    stored = first.json()["stored"][0]
    assert stored["name"] == "order 17.pdf" and stored["exhibit"] == "E-1" and stored["already_held"] is False
    assert stored["type"] == "PDF document" and stored["url"].startswith("/evidence/")
    assert again.status_code == 201
    assert again.json()["stored"][0]["already_held"] is True and again.json()["stored"][0]["exhibit"] == "E-2"
    assert EvidenceItem.objects.count() == 2


def test_script_gets_refusals_in_words(client, documenter, verified, settings):
    settings.SVIDOK_EVIDENCE_MAX_BYTES = 10
    login(client, documenter)
    response = post_one(client, verified, "big.pdf", ORDER)
    assert response.status_code == 200
    assert response.json()["stored"] == []
    assert "larger than the limit" in response.json()["failed"][0]["message"]

    settings.SVIDOK_EVIDENCE_MAX_BYTES = 10_000
    response = client.post(reverse("evidence:upload"), {"files": [SimpleUploadedFile("a.txt", NOTE)], "incident": "SV-1999-999999"},
                           HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert response.json()["stored"] == [] and response.json()["errors"] == ["Incident: No such incident."]
    assert EvidenceItem.objects.count() == 0


# --- the court bundle --------------------------------------------------------------------------------------


def save(response, path: Path) -> Path:
    with open(path, "wb") as out:
        for chunk in response.streaming_content:
            out.write(chunk)
    return path  # the test client closes the response (and the file) at the end of the stream


def test_coordinator_downloads_the_court_bundle_and_it_verifies(client, documenter, coordinator, verified, tmp_path,
                                                                 _audit_keys_and_temp):
    add(documenter, ORDER, "order 17.pdf", verified)
    add(documenter, NOTE, "note.txt", verified)
    login(client, coordinator)

    response = client.post(reverse("evidence:bundle", args=[verified.reference]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == f'attachment; filename="{verified.reference}-bundle.zip"'
    path = save(response, tmp_path / "case.zip")
    assert int(response["Content-Length"]) == path.stat().st_size
    check = bundle.verify_bundle(path)
    assert check.ok, check.lines
    assert list(_audit_keys_and_temp.iterdir()) == []  # the temporary file is gone
    assert AuditEntry.objects.filter(action="export").count() >= 2


def test_documenter_is_refused_the_bundle_and_nothing_is_written(client, documenter, verified, _audit_keys_and_temp):
    add(documenter, ORDER, "order 17.pdf", verified)
    login(client, documenter)
    before = AuditEntry.objects.count()

    response = client.post(reverse("evidence:bundle", args=[verified.reference]))

    assert response.status_code == 403
    assert AuditEntry.objects.count() == before
    assert list(_audit_keys_and_temp.iterdir()) == []


def test_bundle_of_an_unseen_incident_is_said_in_words(client, coordinator, verified):
    login(client, coordinator)
    response = client.post(reverse("evidence:bundle", args=["SV-1999-999999"]), follow=True)
    assert response.status_code == 200
    assert "The court bundle was not made: No incident SV-1999-999999 that you may see." in response.content.decode()


def test_bundle_needs_post(client, coordinator, verified):
    login(client, coordinator)
    assert client.get(reverse("evidence:bundle", args=[verified.reference])).status_code == 405


def test_api_bundle(api, documenter, coordinator, verified, tmp_path, _audit_keys_and_temp):
    add(documenter, ORDER, "order 17.pdf", verified)

    response = api(coordinator).post("/api/v1/evidence/bundles/", {"incidents": [verified.reference]}, format="json")

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{verified.reference}-bundle.zip"'
    assert bundle.verify_bundle(save(response, tmp_path / "api.zip")).ok
    assert list(_audit_keys_and_temp.iterdir()) == []


def test_api_bundle_refusals(api, documenter, coordinator, verified):
    before = AuditEntry.objects.count()
    assert api(documenter).post("/api/v1/evidence/bundles/", {"incidents": [verified.reference]}, format="json").status_code == 403
    assert AuditEntry.objects.count() == before
    empty = api(coordinator).post("/api/v1/evidence/bundles/", {"incidents": []}, format="json")
    assert empty.status_code == 400 and "incidents" in empty.json()
    unknown = api(coordinator).post("/api/v1/evidence/bundles/", {"incidents": ["SV-1999-999999"]}, format="json")
    assert unknown.status_code == 400
    assert json.dumps(unknown.json()).find("No incident SV-1999-999999 that you may see.") > 0


@pytest.mark.django_db
def test_schema_documents_the_bundle_endpoint(tmp_path):
    path = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    text = path.read_text()
    assert "/api/v1/evidence/bundles/:" in text
    assert "application/zip" in text


def test_the_upload_script_speaks_the_readers_language(client, documenter, verified):
    login(client, documenter)
    client.cookies["django_language"] = "uk"
    html = client.get(reverse("evidence:upload") + f"?incident={verified.reference}", HTTP_ACCEPT_LANGUAGE="uk").content.decode()
    assert 'data-msg-stored="Збережено."' in html
    assert 'data-msg-progress="Надсилається файл {current} з {total}: {name}"' in html
    assert "Файли та їхнє походження" in html
