"""The "Capture a web page" form and the captures section on the incident page: owner, other
role, stranger; status in words; the section refreshing itself while a capture is pending."""

import pytest
from django.urls import reverse
from django.utils import translation

from svidok.evidence import capture as capturing
from svidok.evidence.models import Capture
from tests import factories
from tests.helpers import login


@pytest.fixture(autouse=True)
def _capture_settings(settings, tmp_path):
    settings.SVIDOK_CAPTURE_ALLOW_LOOPBACK = True
    settings.SVIDOK_CAPTURE_CHROMIUM = str(tmp_path / "no-chromium")


def page_url(incident) -> str:
    return reverse("incidents:detail", args=[incident.reference])


def post_capture(client, incident, url):
    return client.post(reverse("captures:request", args=[incident.reference]), {"url": url}, follow=True)


def test_documenter_queues_a_capture_from_the_incident_page(client, documenter, verified, site, django_capture_on_commit_callbacks):
    login(client, documenter)
    assert b"Capture a web page" in client.get(page_url(verified)).content

    with django_capture_on_commit_callbacks(execute=True):
        response = post_capture(client, verified, site.url("/page.html"))

    capture = Capture.objects.get()
    assert (capture.incident, capture.requested_by, capture.status, capture.url) == (verified, documenter, "queued", site.url("/page.html"))
    assert capture.task_id != ""
    assert response.redirect_chain == [(page_url(verified) + "#captures", 302)]
    html = response.content.decode()
    assert "The page is waiting to be captured; its status is shown under Web captures." in html
    assert 'hx-trigger="every 3s"' in html and ">waiting<" in html


def test_captures_section_shows_the_files_when_done(client, documenter, verified, site):
    capture = capturing.request_capture(actor=documenter, url=site.url("/redirect"), incident=verified)
    capturing.run_capture(capture.pk)
    login(client, documenter)

    html = client.get(reverse("captures:incident", args=[verified.reference])).content.decode()

    assert ">captured<" in html and 'hx-trigger' not in html
    assert "redirected to" in html
    item = capture.items.get()
    assert reverse("evidence:item", args=[item.uuid]) in html
    assert "No screenshot or PDF: Chromium is not installed on the server." in html


def test_failed_capture_says_why_in_the_readers_language(client, documenter, verified, site):
    capture = capturing.request_capture(actor=documenter, url=site.url("/missing"), incident=verified)
    capturing.run_capture(capture.pk)
    login(client, documenter)

    html = client.get(page_url(verified)).content.decode()
    assert "The site answered with an error (HTTP 404 Not Found); nothing was stored." in html
    with translation.override("uk"):
        assert capturing.reason_text(Capture.objects.get().reason) == \
            "Сайт відповів помилкою (HTTP 404 Not Found); нічого не збережено."


def test_private_address_is_refused_with_a_message(client, documenter, verified):
    login(client, documenter)
    response = post_capture(client, verified, "http://192.168.1.1/admin")
    assert "This address leads into a private or local network; Svidok does not capture those." in response.content.decode()
    assert Capture.objects.count() == 0


def test_empty_address_is_refused_with_a_message(client, documenter, verified):
    login(client, documenter)
    response = post_capture(client, verified, "")
    assert response.status_code == 200
    assert Capture.objects.count() == 0


def test_viewer_sees_captures_but_no_form_and_may_not_capture(client, viewer, documenter, verified, site):
    capturing.request_capture(actor=documenter, url=site.url("/page.html"), incident=verified)
    login(client, viewer)
    html = client.get(page_url(verified)).content.decode()
    assert site.url("/page.html") in html
    assert "Capture a web page" not in html
    assert client.post(reverse("captures:request", args=[verified.reference]), {"url": site.url("/page.html")}).status_code == 403
    assert Capture.objects.count() == 1


def test_stranger_is_sent_to_sign_in(client, verified, site):
    response = client.post(reverse("captures:request", args=[verified.reference]), {"url": site.url("/page.html")})
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert client.get(reverse("captures:incident", args=[verified.reference])).status_code == 302
    assert Capture.objects.count() == 0


def test_incident_the_reader_cannot_see_is_404(client, viewer, draft, site):
    login(client, viewer)
    assert client.post(reverse("captures:request", args=[draft.reference]), {"url": site.url("/page.html")}).status_code == 404
    assert client.get(reverse("captures:incident", args=[draft.reference])).status_code == 404


def test_restricted_incident_is_404_to_a_documenter_who_did_not_write_it(client, other_documenter, coordinator, site):
    incident = factories.incident(coordinator, sensitivity="restricted")
    login(client, other_documenter)
    assert post_capture(client, incident, site.url("/page.html")).status_code == 404
    assert Capture.objects.count() == 0
