"""The "Periodic reports" page: analysts and coordinators ask for a report, the worker writes it
with its progress, the requester downloads it named by period and language; nobody else sees it."""

import datetime as dt
import re
from html import unescape

import pytest
from django.urls import reverse

from svidok.audit.models import AuditEntry
from svidok.incidents.services import submit_incident, verify_incident
from svidok.reports import runs
from svidok.reports.models import ReportRun
from tests import factories
from tests.helpers import login, second_lead

pytestmark = pytest.mark.django_db
PAGE = "/reports/periodic/"


@pytest.fixture(autouse=True)
def _report_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture
def reported(coordinator, places, election):
    incident = factories.incident(coordinator, title="Teacher dismissed for not voting", place=places["town"],
                                  election=election, date=dt.date(2018, 3, 1), sensitivity="public")
    submit_incident(actor=coordinator, incident=incident)
    return verify_incident(actor=second_lead(), incident=incident, reason="two sources")


def visible_text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def test_page_is_in_the_nav_of_analysts_only_among_readers(client, analyst, viewer):
    assert reverse("reports:periodic") == PAGE
    login(client, analyst)
    assert f'href="{PAGE}"' in client.get("/").content.decode()
    client.logout()
    login(client, viewer)
    assert f'href="{PAGE}"' not in client.get("/").content.decode()


def test_page_refused_to_viewer_documenter_and_stranger(client, viewer, documenter, election):
    assert client.get(PAGE).status_code == 302  # to sign in
    for user in (viewer, documenter):
        login(client, user)
        assert client.get(PAGE).status_code == 403
        assert client.post(PAGE, {"election": election.uuid, "language": "en", "format": "pdf",
                                  "purpose": "internal"}).status_code == 403
        client.logout()
    assert ReportRun.objects.count() == 0


def test_analyst_asks_for_a_report_and_downloads_it_when_the_worker_has_written_it(client, analyst, reported, election,
                                                                                  django_capture_on_commit_callbacks):
    login(client, analyst)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(PAGE, {"election": election.uuid, "language": "uk", "format": "html",
                                      "purpose": "publication"})

    run = ReportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reports/periodic/{run.uuid}/"
    assert len(queued) == 1  # the task is enqueued once the run is committed
    assert (run.requested_by, run.language, run.format, run.purpose) == (analyst, "uk", "html", "publication")
    waiting = visible_text(client.get(response["Location"]).content.decode())
    assert "Waiting The report waits for the background worker." in waiting

    assert runs.run_report(run.pk) == "done"
    assert runs.run_report(run.pk) == "done"  # a task run twice writes once

    run.refresh_from_db()
    assert (run.progress, run.total) == (1, 1)
    page = client.get(response["Location"], headers={"HX-Request": "true"})
    assert 'hx-trigger' not in page.content.decode()  # done: no more polling
    download = client.get(f"/reports/periodic/{run.uuid}/download/")
    assert download.status_code == 200
    name = "Періодичний звіт – Вибори президента РФ 2018 у Криму – 2018-03-18 – для оприлюднення – Українська.html"
    assert run.file_name == name
    assert download["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    body = b"".join(download.streaming_content).decode()
    assert reported.reference in body and 'lang="uk"' in body
    assert list(AuditEntry.objects.filter(object_type="reports.reportrun").values_list("action", flat=True)
                .order_by("id")) == ["create", "status", "download"]


def test_page_shows_scope_errors_on_the_form(client, coordinator):
    login(client, coordinator)

    response = client.post(PAGE, {"date_from": "2018-03-31", "date_to": "2018-03-01", "place": "UA99", "language": "en",
                                  "format": "pdf", "purpose": "internal"})

    text = visible_text(response.content.decode())
    assert response.status_code == 400
    assert "The period ends (March 1, 2018) before it begins (March 31, 2018)." in text
    assert "No place matches “UA99”." in text
    assert ReportRun.objects.count() == 0


def test_other_users_report_is_not_found(client, analyst, coordinator, reported, election):
    run = runs.start_report(actor=coordinator, scope=runs.periodic.resolve_scope(election=election), purpose="internal",
                            fmt="html", language="en")
    login(client, analyst)

    assert client.get(f"/reports/periodic/{run.uuid}/").status_code == 404
    assert client.get(f"/reports/periodic/{run.uuid}/download/").status_code == 404
    assert str(run.uuid) not in client.get(PAGE).content.decode()


def test_running_report_shows_its_progress_and_polls(client, coordinator, reported, election):
    run = runs.start_report(actor=coordinator, scope=runs.periodic.resolve_scope(election=election), purpose="internal",
                            fmt="pdf", language="en")
    ReportRun.objects.filter(pk=run.pk).update(status="running", progress=3, total=12)
    login(client, coordinator)

    html = client.get(f"/reports/periodic/{run.uuid}/").content.decode()

    assert f'hx-get="/reports/periodic/{run.uuid}/" hx-trigger="every 2s"' in html
    assert "Being written 3 of 12 incidents written. This page refreshes by itself." in visible_text(html)
    assert '<progress max="12" value="3">25%</progress>' in html


def test_report_whose_election_was_removed_fails_with_a_reason(client, coordinator, election):
    run = runs.start_report(actor=coordinator, scope=runs.periodic.resolve_scope(election=election), purpose="internal",
                            fmt="pdf", language="en")
    election.delete()

    assert runs.run_report(run.pk) == "failed"

    login(client, coordinator)
    text = visible_text(client.get(f"/reports/periodic/{run.uuid}/").content.decode())
    assert "Not made What the report covers no longer exists (an election or place was removed)." in text
    assert not runs.stored_file(run).exists()


def test_report_cut_off_by_a_stopped_worker_is_marked_failed(coordinator, election):
    import datetime

    from django.utils import timezone

    run = runs.start_report(actor=coordinator, scope=runs.periodic.resolve_scope(election=election), purpose="internal",
                            fmt="pdf", language="en")
    runs.report_dir().mkdir(parents=True)
    runs.stored_file(run).write_bytes(b"%PDF- partial")
    ReportRun.objects.filter(pk=run.pk).update(status="running", started_at=timezone.now() - datetime.timedelta(hours=7))

    assert runs.fail_interrupted_reports() == 1

    run.refresh_from_db()
    assert (run.status, run.reason) == ("failed", {"code": "interrupted"})
    assert not runs.stored_file(run).exists()
