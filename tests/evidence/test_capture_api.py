"""``/api/v1/captures/``: queue a capture, read its status and files; who may do and see what."""

import pytest
from django.core.management import call_command

from svidok.evidence import capture as capturing
from svidok.evidence.models import Capture
from tests import factories


@pytest.fixture(autouse=True)
def _capture_settings(settings, tmp_path):
    settings.SVIDOK_CAPTURE_ALLOW_LOOPBACK = True
    settings.SVIDOK_CAPTURE_CHROMIUM = str(tmp_path / "no-chromium")


def test_documenter_queues_a_capture(api, documenter, verified, site, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(documenter).post("/api/v1/captures/", {"url": site.url("/page.html"), "incident": verified.reference},
                                        format="json")
    assert response.status_code == 202
    body = response.json()
    capture = Capture.objects.get()
    assert (body["id"], body["status"], body["status_label"], body["incident"], body["items"]) == (
        str(capture.uuid), "queued", "waiting", verified.reference, [])
    assert capture.task_id != ""


def test_capture_read_back_when_done_lists_its_files(api, documenter, verified, site):
    capture = capturing.request_capture(actor=documenter, url=site.url("/page.html"), incident=verified)
    capturing.run_capture(capture.pk)
    body = api(documenter).get(f"/api/v1/captures/{capture.uuid}/").json()
    item = capture.items.select_related("blob").get()
    assert (body["status"], body["http_status"], body["reason"]) == ("done", 200, None)
    assert body["items"] == [{"id": str(item.uuid), "name": item.original_name, "sha256": item.blob.sha256,
                              "size": item.blob.size, "media_type": "application/gzip"}]
    assert body["notes"] == ["No screenshot or PDF: Chromium is not installed on the server."]


def test_failed_capture_reads_why_in_the_callers_language(api, documenter, site):
    capture = capturing.request_capture(actor=documenter, url=site.url("/missing"))
    capturing.run_capture(capture.pk)
    body = api(documenter).get(f"/api/v1/captures/{capture.uuid}/", HTTP_ACCEPT_LANGUAGE="uk").json()
    assert (body["status"], body["reason"]) == ("failed", "Сайт відповів помилкою (HTTP 404 Not Found); нічого не збережено.")


def test_private_address_is_400_with_the_reason(api, documenter):
    response = api(documenter).post("/api/v1/captures/", {"url": "http://169.254.169.254/latest/"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"url": ["This address leads into a private or local network; Svidok does not capture those."]}
    assert Capture.objects.count() == 0


def test_unknown_incident_is_400(api, documenter, site):
    response = api(documenter).post("/api/v1/captures/", {"url": site.url("/page.html"), "incident": "SV-1999-000001"},
                                    format="json")
    assert (response.status_code, response.json()) == (400, {"incident": ["No such incident."]})


def test_viewer_may_not_capture_and_stranger_is_refused(api, viewer, site):
    assert api(viewer).post("/api/v1/captures/", {"url": site.url("/page.html")}, format="json").status_code == 403
    assert api().post("/api/v1/captures/", {"url": site.url("/page.html")}, format="json").status_code in (401, 403)
    assert api().get("/api/v1/captures/").status_code in (401, 403)
    assert Capture.objects.count() == 0


def test_captures_are_seen_where_their_incident_is_seen(api, documenter, other_documenter, coordinator, viewer, site):
    restricted = factories.incident(coordinator, sensitivity="restricted")
    hidden = capturing.request_capture(actor=coordinator, url=site.url("/page.html"), incident=restricted)
    own = capturing.request_capture(actor=documenter, url=site.url("/app.js"))

    def listed(user):
        return sorted(row["url"] for row in api(user).get("/api/v1/captures/").json()["results"])

    assert listed(coordinator) == [site.url("/app.js"), site.url("/page.html")]
    assert listed(documenter) == [site.url("/app.js")]
    assert listed(other_documenter) == []
    assert api(other_documenter).get(f"/api/v1/captures/{hidden.uuid}/").status_code == 404
    assert api(other_documenter).get(f"/api/v1/captures/{own.uuid}/").status_code == 404
    assert api(viewer).get(f"/api/v1/captures/{own.uuid}/").status_code == 404


def test_schema_documents_the_captures_endpoints(tmp_path):
    path = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(path))
    text = path.read_text()
    assert "/api/v1/captures/:" in text and "/api/v1/captures/{uuid}/:" in text
