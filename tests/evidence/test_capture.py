"""Web capture end to end: queued by the use case, made by the real worker, stored in the vault with
custody entries; failures store nothing; the command; periodic jobs of the worker."""

import datetime as dt
import io
import json
import signal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from warcio.archiveiterator import ArchiveIterator

from svidok.audit.display import readable
from svidok.audit.services import history
from svidok.evidence import capture as capturing
from svidok.evidence.models import Blob, Capture, EvidenceItem
from svidok.evidence.storage import blob_name, evidence_storage
from tests import factories
from tests.evidence.capture_site import PAGE
from tests.loopback import closed_port

TICKS = []


def tick():
    """A periodic job for the worker test."""
    TICKS.append(1)


@pytest.fixture(autouse=True)
def _capture_settings(settings, tmp_path):
    settings.SVIDOK_CAPTURE_ALLOW_LOOPBACK = True
    settings.SVIDOK_CAPTURE_TIMEOUT = 5
    settings.SVIDOK_PERIODIC_JOBS = {}


@pytest.fixture
def keep_signals():
    """The worker installs its own SIGINT/SIGTERM handlers; put pytest's back afterwards."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)


def run_worker() -> None:
    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)


def read_blob(item: EvidenceItem) -> bytes:
    with evidence_storage().open(blob_name(item.blob.sha256)) as handle:
        return handle.read()


def test_capture_made_by_the_worker_stores_warc_screenshot_and_pdf(transactional_db, vocabularies, site, documenter, keep_signals):
    # Committed for real (the task is queued on commit), and run by the worker as in production.
    incident = factories.incident(documenter)
    capture = capturing.request_capture(actor=documenter, url=site.url("/redirect"), incident=incident)
    task = DBTaskResult.objects.get()
    assert (task.status, task.task_path) == (TaskResultStatus.READY, "svidok.evidence.tasks.capture_web_page")

    run_worker()

    task.refresh_from_db()
    capture.refresh_from_db()
    assert task.status == TaskResultStatus.SUCCESSFUL
    assert (capture.status, capture.http_status, capture.final_url, capture.reason) == ("done", 200, site.url("/page.html"), {})
    items = list(capture.items.select_related("blob").order_by("id"))
    assert [i.blob.media_type for i in items] == ["application/gzip", "image/png", "application/pdf"]
    assert [i.original_name.startswith("127.0.0.1-") for i in items] == [True] * 3
    assert [i.original_name.split("-")[-1].split(".", 1)[1] for i in items] == ["warc.gz", "png", "pdf"]
    assert {(i.method, i.origin, i.created_by_id) for i in items} == {("capture", site.url("/redirect"), documenter.pk)}
    assert [link.incident_id for i in items for link in i.links.all()] == [incident.pk] * 3
    warc_bytes, png, pdf = (read_blob(i) for i in items)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and pdf[:5] == b"%PDF-"
    responses = {r.rec_headers.get_header("WARC-Target-URI"): r.content_stream().read()
                 for r in ArchiveIterator(io.BytesIO(warc_bytes), check_digests=True) if r.rec_type == "response"}
    assert responses[site.url("/page.html")] == PAGE
    # the page, its redirect, its three resources, and the image its stylesheet asked the browser for
    assert sorted(responses) == sorted(site.url(p) for p in ("/redirect", "/page.html", "/style.css", "/app.js", "/img.png", "/bg.png"))
    custody = {e.action: e.changes for e in history(items[0])}
    assert sorted(custody) == ["capture", "collect", "link", "upload"]
    assert custody["capture"]["http_status"] == [None, 200]
    assert custody["capture"]["user_agent"] == [None, "Mozilla/5.0 (compatible; Svidok web capture)"]
    assert custody["capture"]["url"] == [None, site.url("/redirect")]
    assert custody["capture"]["part"] == [None, "warc"]
    shown = {e.action_label: {row.label: row.after for row in e.rows} for e in readable(history(items[0]))}
    assert shown["captured from the web"]["HTTP status"] == "200"
    assert shown["captured from the web"]["Web address"] == site.url("/redirect")


@pytest.mark.parametrize(("path", "code", "words"), [
    ("/missing", "http_status", "HTTP 404 Not Found"),
    ("/broken", "http_status", "HTTP 500 Internal Server Error"),
    ("/silent", "timeout", "did not answer in time"),
])
def test_failed_capture_stores_nothing_and_says_why(site, documenter, settings, path, code, words):
    settings.SVIDOK_CAPTURE_TIMEOUT = 1
    capture = capturing.request_capture(actor=documenter, url=site.url(path))

    assert capturing.run_capture(capture.pk) == "failed"

    capture.refresh_from_db()
    assert (capture.status, capture.reason["code"]) == ("failed", code)
    assert words in capturing.reason_text(capture.reason)
    assert (EvidenceItem.objects.count(), Blob.objects.count(), capture.items.count()) == (0, 0, 0)
    assert [e.action for e in history(capture).order_by("id")] == ["capture_queued", "capture_failed"]


def test_capture_of_refused_connection_fails(documenter):
    capture = capturing.request_capture(actor=documenter, url=f"http://127.0.0.1:{closed_port()}/page")
    capturing.run_capture(capture.pk)
    capture.refresh_from_db()
    assert (capture.status, capture.reason) == ("failed", {"code": "refused"})
    assert capturing.reason_text(capture.reason) == "The site refused the connection."
    assert EvidenceItem.objects.count() == 0


def test_capture_without_chromium_keeps_the_warc_and_says_so(site, documenter, settings, tmp_path):
    settings.SVIDOK_CAPTURE_CHROMIUM = str(tmp_path / "no-chromium")
    capture = capturing.request_capture(actor=documenter, url=site.url("/page.html"))
    capturing.run_capture(capture.pk)
    capture.refresh_from_db()
    assert capture.status == "done"
    assert [i.original_name.endswith(".warc.gz") for i in capture.items.all()] == [True]
    assert [capturing.reason_text(n) for n in capture.notes] == ["No screenshot or PDF: Chromium is not installed on the server."]


def test_capture_runs_once_even_when_its_task_runs_twice(site, documenter, settings, tmp_path):
    settings.SVIDOK_CAPTURE_CHROMIUM = str(tmp_path / "no-chromium")
    capture = capturing.request_capture(actor=documenter, url=site.url("/page.html"))
    assert capturing.run_capture(capture.pk) == "done"
    assert capturing.run_capture(capture.pk) == "done"
    assert EvidenceItem.objects.count() == 1
    assert site.requests.count("/page.html") == 1


@pytest.mark.parametrize("url", ["http://10.0.0.1/", "http://169.254.169.254/latest/meta-data/", "file:///etc/passwd"])
def test_capture_request_refuses_private_addresses_and_other_schemes(documenter, url):
    with pytest.raises(ValidationError) as error:
        capturing.request_capture(actor=documenter, url=url)
    assert list(error.value.message_dict) == ["url"]
    assert Capture.objects.count() == 0


def test_capture_request_refuses_loopback_unless_allowed(documenter, settings, site):
    settings.SVIDOK_CAPTURE_ALLOW_LOOPBACK = False
    with pytest.raises(ValidationError) as error:
        capturing.request_capture(actor=documenter, url=site.url("/page.html"))
    assert error.value.message_dict["url"] == ["This address leads into a private or local network; Svidok does not capture those."]


def test_capture_request_refused_to_viewer(viewer, site):
    with pytest.raises(PermissionDenied):
        capturing.request_capture(actor=viewer, url=site.url("/page.html"))
    assert Capture.objects.count() == 0


def test_capture_fails_when_the_requester_lost_the_right(site, documenter):
    capture = capturing.request_capture(actor=documenter, url=site.url("/page.html"))
    documenter.role = "viewer"
    documenter.save()
    capturing.run_capture(capture.pk)
    capture.refresh_from_db()
    assert (capture.status, capture.reason) == ("failed", {"code": "not_allowed"})
    assert EvidenceItem.objects.count() == 0


def test_capture_command_waits_and_prints_json(site, documenter, settings, tmp_path):
    settings.SVIDOK_CAPTURE_CHROMIUM = str(tmp_path / "no-chromium")
    incident = factories.incident(documenter)
    out = io.StringIO()
    call_command("capture", site.url("/page.html"), "--incident", incident.reference, "--as", documenter.username,
                 "--wait", "--json", stdout=out)
    result = json.loads(out.getvalue())
    assert (result["status"], result["http_status"], len(result["items"])) == ("done", 200, 1)
    assert result["items"][0]["name"].endswith(".warc.gz")
    assert result["notes"] == ["No screenshot or PDF: Chromium is not installed on the server."]


def test_capture_command_queues_without_wait(site, documenter):
    out = io.StringIO()
    call_command("capture", site.url("/page.html"), "--as", documenter.username, stdout=out)
    assert "is queued for the worker" in out.getvalue()
    assert Capture.objects.get().status == "queued"


def test_capture_command_reports_failure(site, documenter):
    with pytest.raises(CommandError) as error:
        call_command("capture", site.url("/missing"), "--as", documenter.username, "--wait", stdout=io.StringIO())
    assert str(error.value) == "The site answered with an error (HTTP 404 Not Found); nothing was stored."


def test_capture_command_refuses_private_address(documenter):
    with pytest.raises(CommandError) as error:
        call_command("capture", "http://192.168.0.1/", "--as", documenter.username, stdout=io.StringIO())
    assert "private or local network" in str(error.value)


def test_worker_runs_periodic_jobs_and_schedules_the_next_run(settings, transactional_db, keep_signals):
    settings.SVIDOK_PERIODIC_JOBS = {"tests.evidence.test_capture.tick": 3600, "svidok.nowhere.job": 60}
    TICKS.clear()

    run_worker()

    assert TICKS == [1]
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    assert [(t.task_path, t.args_kwargs["args"]) for t in waiting] == [
        ("svidok.common.tasks.run_periodic", ["tests.evidence.test_capture.tick"])]
    delay = (waiting[0].run_after - waiting[0].enqueued_at).total_seconds()
    assert 3590 < delay <= 3600

    run_worker()  # the next run is not due: nothing runs, nothing more is queued
    assert TICKS == [1]
    assert DBTaskResult.objects.filter(status=TaskResultStatus.READY).count() == 1


def test_capture_cut_off_by_a_killed_worker_is_failed_later(site, documenter):
    capture = capturing.request_capture(actor=documenter, url=site.url("/page.html"))
    started = timezone.now() - capturing.longest_capture()
    Capture.objects.filter(pk=capture.pk).update(status="running", started_at=started + dt.timedelta(seconds=5))
    assert capturing.fail_interrupted_captures() == 0  # might still be running

    Capture.objects.filter(pk=capture.pk).update(started_at=started - dt.timedelta(seconds=5))
    assert capturing.fail_interrupted_captures() == 1

    capture.refresh_from_db()
    assert (capture.status, capture.reason) == ("failed", {"code": "interrupted"})
    assert capturing.run_capture(capture.pk) == "failed"  # a late retry of its task does nothing
