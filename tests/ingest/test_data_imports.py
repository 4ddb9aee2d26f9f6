"""Imports from the web page (``ingest.data_imports``): the upload stored with its SHA-256, the
run imported by the worker through the command line's own use cases, all or nothing, the file
deleted when the run ends, permissions, and the pages."""

import hashlib
import signal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from svidok.audit.models import AuditEntry
from svidok.audit.services import history
from svidok.forensics.models import Precinct, ResultSet
from svidok.incidents.models import Incident, Place, Source
from svidok.ingest import data_imports
from svidok.ingest.models import ImportRun
from svidok.people.models import Person
from svidok.sanctions.models import ReferenceEntity, ReferenceList
from tests.forensics.conftest import csv_text, synthetic_row
from tests.helpers import login

pytestmark = pytest.mark.django_db

HEADER = "title,type,date_start,place,victims,perpetrators,source_title,source_url\n"
GOOD = (HEADER
        + "Teacher dismissed for refusing to campaign,dismissal,2018-03-20,UA01020010010073418,Victim One,Ivan Petrov,Import report,https://report.example/1\n"
        + "Nurse threatened with dismissal,threat_of_dismissal,2018-03,Бахчисарай,,Ivan Petrov,Import report,https://report.example/1\n")
# Line 2 is fine, line 3 has an unknown type and an end-of-world date, line 4 an end before its start.
BAD = ("title,type,date_start,date_end\n"
       "A good row,dismissal,2018-03-20,\n"
       "A bad row,no_such_type,2018-13-45,\n"
       "Dates reversed,dismissal,2018-03-20,2018-03-01\n")
EU_CSV = ("celex,recordId,programKey,annex,measure,startDate,reason,schema,name,alias,birthDate\n"
          "32014R0269,1,EU-UKR,I.PERSONS,Asset freeze,17.3.2014,Made up for a test,Person,Testo TESTOVICH,,1970-01-02\n"
          "32014R0269,2,EU-UKR,I.PERSONS,Asset freeze,21.3.2014,Made up for a test,Person,Probna PROBOVA,,\n")


@pytest.fixture(autouse=True)
def upload_dir(settings, tmp_path):
    settings.SVIDOK_IMPORT_UPLOAD_DIR = tmp_path / "imports"
    return settings.SVIDOK_IMPORT_UPLOAD_DIR


@pytest.fixture
def town(db):
    return Place.objects.create(code="UA01020010010073418", category="M", name_uk="Бахчисарай", name_latin="Bakhchysarai")


def upload(text: str, name: str = "incidents.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"), content_type="text/csv")


def files_left(folder) -> list:
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


def test_start_stores_the_file_with_its_hash_and_queues_a_run(coordinator, upload_dir):
    run = data_imports.start_import(actor=coordinator, kind="incidents", upload=upload(GOOD), language="uk")

    assert (run.status, run.file_name, run.size, run.sha256, run.language) == (
        "queued", "incidents.csv", len(GOOD.encode()), hashlib.sha256(GOOD.encode()).hexdigest(), "uk")
    assert data_imports.stored_file(run).read_bytes() == GOOD.encode()
    assert history(run).get().changes == {"kind": "incidents", "file": "incidents.csv", "size": run.size, "sha256": run.sha256}


def test_clean_incident_file_is_imported_and_its_file_deleted(vocabularies, coordinator, town, upload_dir):
    run = data_imports.start_import(actor=coordinator, kind="incidents", upload=upload(GOOD))

    assert data_imports.run_import(run.pk) == "done"

    run.refresh_from_db()
    assert list(Incident.objects.order_by("reference").values_list("reference", "title", "created_by")) == [
        ("SV-2018-000001", "Teacher dismissed for refusing to campaign", coordinator.pk),
        ("SV-2018-000002", "Nurse threatened with dismissal", coordinator.pk)]
    assert (run.counts["incidents"], run.counts["persons"], run.counts["sources"], run.error_count) == (2, 2, 1, 0)
    assert (run.progress, run.total) == (4, 4)
    assert files_left(upload_dir) == []
    finished = history(run).order_by("id").last()
    assert (finished.action, finished.changes["file"], finished.changes["sha256"], finished.changes["incidents"]) == (
        "import_finished", "incidents.csv", run.sha256, 2)
    with translation.override("en"):
        assert data_imports.counts_text(run) == "Imported: 2 incidents, 2 new persons, 0 new organizations, 1 new source."


def test_bad_incident_file_changes_nothing_and_lists_every_problem_in_each_language(vocabularies, coordinator, upload_dir):
    before = (Incident.objects.count(), Person.objects.count(), Source.objects.count(),
              AuditEntry.objects.exclude(object_type="ingest.importrun").count())
    run = data_imports.start_import(actor=coordinator, kind="incidents", upload=upload(BAD), language="en")

    assert data_imports.run_import(run.pk) == "failed"

    run.refresh_from_db()
    assert (Incident.objects.count(), Person.objects.count(), Source.objects.count(),
            AuditEntry.objects.exclude(object_type="ingest.importrun").count()) == before
    assert files_left(upload_dir) == []
    assert [(e["line"], e["field"]) for e in run.errors["en"]] == [(3, "type"), (3, "date_start"), (4, "date_end")]
    assert run.errors["en"][2]["message"] == "The end date (March 1, 2018) is before the start date (March 20, 2018)."
    # The service's own check speaks Ukrainian to a Ukrainian reader.
    assert [(e["line"], e["field"]) for e in run.errors["uk"]] == [(3, "type"), (3, "date_start"), (4, "date_end")]
    assert run.errors["uk"][2]["message"] != run.errors["en"][2]["message"]
    assert run.error_count == 3
    assert history(run).order_by("id").last().changes["problems"] == 3


def test_unreadable_incident_file_fails_with_the_readers_message(vocabularies, coordinator, upload_dir):
    run = data_imports.start_import(actor=coordinator, kind="incidents", upload=upload("title,colour\nx,red\n"))

    assert data_imports.run_import(run.pk) == "failed"

    run.refresh_from_db()
    assert run.errors["en"] == [{"line": None, "field": "", "message": "incidents.csv lacks the required column(s): type, date_start."}]
    assert files_left(upload_dir) == []


def test_reference_list_is_imported_under_its_name(coordinator, upload_dir):
    run = data_imports.start_import(actor=coordinator, kind="reference_list", upload=upload(EU_CSV, "annex.csv"),
                                    options={"list_name": "test-list", "title": "A test list"})

    assert data_imports.run_import(run.pk) == "done"

    run.refresh_from_db()
    listed = ReferenceList.objects.get(name="test-list")
    assert (listed.source_name, listed.sha256, listed.entity_count, listed.title) == ("annex.csv", run.sha256, 2, "A test list")
    assert (run.counts, run.result) == ({"entities": 2}, {"list": "test-list"})
    assert files_left(upload_dir) == []


def test_bad_reference_list_leaves_the_old_list_as_it_was(coordinator, upload_dir):
    first = data_imports.start_import(actor=coordinator, kind="reference_list", upload=upload(EU_CSV, "annex.csv"),
                                      options={"list_name": "test-list"})
    data_imports.run_import(first.pk)
    broken = data_imports.start_import(actor=coordinator, kind="reference_list", upload=upload("celex,recordId\n1,2\n", "broken.csv"),
                                       options={"list_name": "test-list"})

    assert data_imports.run_import(broken.pk) == "failed"

    broken.refresh_from_db()
    assert (ReferenceList.objects.get().source_name, ReferenceEntity.objects.count()) == ("annex.csv", 2)
    assert broken.error_count == 1 and broken.errors["en"][0]["message"] != ""
    assert files_left(upload_dir) == []


def test_results_are_imported_into_the_chosen_election(coordinator, election, upload_dir):
    text = csv_text([synthetic_row(), synthetic_row(uik="УИК №2")])
    run = data_imports.start_import(actor=coordinator, kind="results", upload=upload(text, "results.csv"),
                                    options={"election": election})

    assert data_imports.run_import(run.pk) == "done"

    run.refresh_from_db()
    result_set = ResultSet.objects.get()
    assert (result_set.election, result_set.source_name, result_set.sha256, Precinct.objects.count()) == (
        election, "results.csv", run.sha256, 2)
    assert run.result == {"result_set": result_set.public_id, "election": election.public_id}
    assert run.counts["precincts"] == 2


def test_results_file_twice_fails_the_second_time_and_writes_nothing(coordinator, election, upload_dir):
    text = csv_text([synthetic_row()])
    for _ in range(2):
        run = data_imports.start_import(actor=coordinator, kind="results", upload=upload(text, "results.csv"),
                                        options={"election": election})
        data_imports.run_import(run.pk)

    run.refresh_from_db()
    assert (run.status, ResultSet.objects.count()) == ("failed", 1)
    assert "already imported" in run.errors["en"][0]["message"]
    assert files_left(upload_dir) == []


@pytest.mark.parametrize(("kind", "name", "options", "field"), [
    ("incidents", "incidents.pdf", {}, "file"),
    ("reference_list", "annex.csv", {"list_name": "no spaces allowed"}, "list_name"),
    ("results", "results.csv", {}, "election"),
    ("everything", "incidents.csv", {}, "kind"),
])
def test_start_refuses_before_storing_anything(coordinator, upload_dir, kind, name, options, field):
    with pytest.raises(ValidationError) as refused:
        data_imports.start_import(actor=coordinator, kind=kind, upload=upload(GOOD, name), options=options)

    assert list(refused.value.message_dict) == [field]
    assert (ImportRun.objects.count(), files_left(upload_dir)) == (0, [])


def test_start_refuses_an_empty_or_too_large_file(coordinator, upload_dir, settings):
    settings.SVIDOK_IMPORT_UPLOAD_MAX_BYTES = 1024
    for text in ("", "x" * 1025):
        with pytest.raises(ValidationError):
            data_imports.start_import(actor=coordinator, kind="incidents", upload=upload(text))
    assert (ImportRun.objects.count(), files_left(upload_dir)) == (0, [])


@pytest.mark.parametrize("who", ["documenter", "analyst", "viewer"])
def test_only_leads_may_import(request, who, upload_dir):
    user = request.getfixturevalue(who)
    for kind in data_imports.PERMISSIONS:
        with pytest.raises(PermissionDenied):
            data_imports.start_import(actor=user, kind=kind, upload=upload(GOOD))
    assert (ImportRun.objects.count(), files_left(upload_dir)) == (0, [])


def test_run_of_a_demoted_uploader_imports_nothing(vocabularies, coordinator, upload_dir):
    run = data_imports.start_import(actor=coordinator, kind="incidents", upload=upload(GOOD))
    coordinator.role = "documenter"
    coordinator.save()

    assert data_imports.run_import(run.pk) == "failed"

    run.refresh_from_db()
    assert (run.reason, Incident.objects.count(), files_left(upload_dir)) == ({"code": "not_allowed"}, 0, [])


def test_run_runs_once(vocabularies, coordinator, town):
    run = data_imports.start_import(actor=coordinator, kind="incidents", upload=upload(GOOD))
    data_imports.run_import(run.pk)

    assert data_imports.run_import(run.pk) == "done"
    assert Incident.objects.count() == 2


def test_run_cut_off_by_a_stopped_worker_is_failed_later(coordinator, upload_dir):
    from django.utils import timezone

    run = data_imports.start_import(actor=coordinator, kind="incidents", upload=upload(GOOD))
    ImportRun.objects.filter(pk=run.pk).update(status="running", started_at=timezone.now() - data_imports.INTERRUPTED_AFTER * 2)

    assert data_imports.fail_interrupted_imports() == 1

    run.refresh_from_db()
    assert (run.status, run.reason, files_left(upload_dir)) == ("failed", {"code": "interrupted"}, [])


def test_upload_folder_without_a_pending_run_is_deleted_after_an_hour(coordinator, upload_dir):
    import os
    import time

    waiting = data_imports.start_import(actor=coordinator, kind="incidents", upload=upload(GOOD))
    orphan, fresh = upload_dir / ("0" * 32), upload_dir / ("1" * 32)
    for folder in (orphan, fresh):
        folder.mkdir()
        (folder / "incidents.csv").write_text(GOOD, encoding="utf-8")
    hour_ago = time.time() - 3700
    os.utime(orphan, (hour_ago, hour_ago))
    os.utime(data_imports.upload_dir(waiting), (hour_ago, hour_ago))

    assert data_imports.fail_interrupted_imports() == 0

    assert sorted(p.name for p in upload_dir.iterdir()) == sorted([waiting.uuid.hex, fresh.name])


@pytest.fixture
def keep_signals():
    """The worker installs its own signal handlers; put pytest's back afterwards."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)


def test_run_is_imported_by_the_worker(vocabularies, coordinator, settings, keep_signals, upload_dir):
    settings.SVIDOK_PERIODIC_JOBS = {}
    Place.objects.create(code="UA01020010010073418", category="M", name_uk="Бахчисарай", name_latin="Bakhchysarai")
    run = data_imports.start_import(actor=coordinator, kind="incidents", upload=upload(GOOD))
    run.refresh_from_db()
    assert run.task_id != ""

    call_command("worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    run.refresh_from_db()
    assert (run.status, Incident.objects.count(), files_left(upload_dir)) == ("done", 2, [])


# -- pages ----------------------------------------------------------------------------------------


def test_page_uploads_and_redirects_to_the_run(client, coordinator, upload_dir):
    login(client, coordinator)

    response = client.post(reverse("imports:index"), {"kind": "incidents", "file": upload(GOOD)})

    run = ImportRun.objects.get()
    assert (response.status_code, response["Location"]) == (302, reverse("imports:run", args=[run.uuid]))
    page = client.get(response["Location"]).content.decode()
    assert "The file waits for the background worker." in page
    assert 'hx-trigger="every 2s"' in page


def test_page_shows_a_refused_upload_next_to_its_field(client, coordinator):
    login(client, coordinator)

    response = client.post(reverse("imports:index"), {"kind": "reference_list", "file": upload(EU_CSV, "annex.csv"),
                                                      "list_name": "bad name"})

    assert response.status_code == 400
    assert response.context["form"].errors["list_name"] == [
        "Give the list a short name of letters, digits, '-' or '_' (at most 100), for example eu-269."]


@pytest.mark.parametrize("who", ["documenter", "analyst", "viewer"])
def test_page_is_forbidden_to_other_roles(client, request, who):
    login(client, request.getfixturevalue(who))

    assert client.get(reverse("imports:index")).status_code == 403


def test_pages_send_strangers_to_sign_in(client, coordinator):
    run = data_imports.start_import(actor=coordinator, kind="incidents", upload=upload(GOOD))

    for url in (reverse("imports:index"), reverse("imports:run", args=[run.uuid])):
        assert client.get(url).status_code == 302


def test_run_page_of_another_lead_is_visible_and_of_a_documenter_forbidden(client, coordinator, admin_user, documenter):
    run = data_imports.start_import(actor=coordinator, kind="incidents", upload=upload(GOOD))
    url = reverse("imports:run", args=[run.uuid])

    login(client, admin_user)
    assert client.get(url).status_code == 200
    login(client, documenter)
    assert client.get(url).status_code == 403


def test_failed_run_page_lists_problems_by_line_and_field_name_without_codes(vocabularies, client, coordinator):
    run = data_imports.start_import(actor=coordinator, kind="incidents", upload=upload(BAD))
    data_imports.run_import(run.pk)
    run.refresh_from_db()
    login(client, coordinator)

    english = client.get(reverse("imports:run", args=[run.uuid]))
    ukrainian = client.get(reverse("imports:run", args=[run.uuid]), HTTP_ACCEPT_LANGUAGE="uk")

    rows = [(e["line"], e["field"]) for e in english.context["errors"]]
    assert rows == [(3, "Type"), (3, "Start date"), (4, "End date")]
    assert "The end date (March 1, 2018) is before the start date (March 20, 2018)." in english.content.decode()
    assert [e["field"] for e in ukrainian.context["errors"]] == ["Тип", "Дата початку", "Дата завершення"]
    assert ukrainian.context["errors"][2]["message"] == run.errors["uk"][2]["message"]
    assert "hx-trigger" not in english.content.decode()


def test_run_page_answers_htmx_with_the_fragment(client, coordinator):
    run = data_imports.start_import(actor=coordinator, kind="incidents", upload=upload(GOOD))
    login(client, coordinator)

    response = client.get(reverse("imports:run", args=[run.uuid]), HTTP_HX_REQUEST="true")

    assert response.content.decode().startswith('<section id="import-run"')


@pytest.mark.parametrize("language", ["en", "uk"])
def test_run_pages_show_no_code_or_uuid(vocabularies, client, coordinator, language):
    from tests.common.test_human_wording import violations, visible_text

    text = ("title,type,date_start,date_end,victim_count\n"
            "Dates reversed,dismissal,2018-03-20,2018-03-01,\nNo date,dismissal,2018-02-30,,many\n")
    failed = data_imports.start_import(actor=coordinator, kind="incidents", upload=upload(text))
    data_imports.run_import(failed.pk)
    done = data_imports.start_import(actor=coordinator, kind="incidents", upload=upload(GOOD.replace("UA01020010010073418", "")
                                                                                          .replace("Бахчисарай", "")))
    data_imports.run_import(done.pk)
    login(client, coordinator)
    client.cookies["django_language"] = language

    pages = [reverse("imports:index"), reverse("imports:run", args=[failed.uuid]), reverse("imports:run", args=[done.uuid])]
    bodies = [client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode() for url in pages]

    assert [violations(visible_text(body)) for body in bodies] == [[], [], []]
    assert ImportRun.objects.get(pk=done.pk).status == "done"
    if language == "uk":
        assert "Кінцева дата" in bodies[1] or "Дата завершення" in bodies[1]


def test_progress_reads_as_rows_checked_then_incidents_being_written(coordinator):
    run = ImportRun(kind="incidents", status="running", total=10_000, progress=1_200)
    assert data_imports.progress_text(run) == "Checking row 1,200 of 5,000."
    run.progress = 6_000
    assert data_imports.progress_text(run) == "All 5,000 rows checked; writing the incidents."
    run.kind, run.total, run.progress = "results", None, 25_000
    assert data_imports.progress_text(run) == "Reading the file."
    run.status = "done"
    assert data_imports.progress_text(run) == ""


def test_progress_callback_writes_the_count_to_the_run(coordinator, monkeypatch):
    run = data_imports.start_import(actor=coordinator, kind="incidents", upload=upload(GOOD))
    monkeypatch.setattr(data_imports, "PROGRESS_EVERY", 0)
    progress = data_imports._Progress(run)

    progress(3)
    progress(2)

    assert ImportRun.objects.get(pk=run.pk).progress == 5


def test_progress_callback_writes_nothing_inside_the_import_transaction(coordinator, monkeypatch, django_db_blocker):
    from django.db import transaction

    run = data_imports.start_import(actor=coordinator, kind="incidents", upload=upload(GOOD))
    monkeypatch.setattr(data_imports, "PROGRESS_EVERY", 0)
    progress = data_imports._Progress(run)

    with transaction.atomic():
        progress(7)

    assert (progress.count, ImportRun.objects.get(pk=run.pk).progress) == (7, 0)


VERIFIED = "title,type,date_start,status,status_reason\nChecked elsewhere,dismissal,2018-03-20,verified,Two sources\n"


def test_verified_rows_are_refused_unless_the_uploader_says_they_were_verified_elsewhere(vocabularies, coordinator, upload_dir):
    refused = data_imports.start_import(actor=coordinator, kind="incidents", upload=upload(VERIFIED), language="en")
    assert data_imports.run_import(refused.pk) == "failed"
    refused.refresh_from_db()
    assert [(e["line"], e["field"]) for e in refused.errors["en"]] == [(2, "status")]
    assert refused.errors["en"][0]["message"].startswith("an import verifies nothing under four eyes")
    assert Incident.objects.count() == 0

    kept = data_imports.start_import(actor=coordinator, kind="incidents", upload=upload(VERIFIED),
                                     options={"verified_elsewhere": True})
    assert data_imports.run_import(kept.pk) == "done"
    assert Incident.objects.get().status == Incident.Status.VERIFIED


def test_page_offers_the_verified_elsewhere_choice(client, coordinator, upload_dir):
    login(client, coordinator)
    response = client.post(reverse("imports:index"), {"kind": "incidents", "verified_elsewhere": "on",
                                                      "file": upload(VERIFIED)})
    assert response.status_code == 302
    assert ImportRun.objects.get().options == {"verified_elsewhere": True}
