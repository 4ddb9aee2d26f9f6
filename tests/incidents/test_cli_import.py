import json

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from svidok.audit.models import AuditEntry
from svidok.incidents.importing import import_incidents
from svidok.incidents.models import Incident, Involvement, Place, Source
from svidok.incidents.services import record_incident
from svidok.people.models import Organization, Person
from svidok.people.services import record_person
from tests import factories

pytestmark = pytest.mark.django_db

HEADER = "title,type,date_start,place,victims,perpetrators,perpetrator_type,perpetrator_organizations,source_title,source_url,legal_tags,tags\n"
GOOD = (
    HEADER
    + "Teacher dismissed,dismissal,2018-03-20,UA01020010010073418,Victim One;Victim Two,Ivan Petrov,employer,School No. 5,QHA report,https://qha.example/1,echr-10;iccpr-25,Crimea\n"
    + "Threat at the hospital,threat_of_dismissal,2018-03,Бахчисарай,,Ivan Petrov,employer,,QHA report,https://qha.example/1,,\n"
)


@pytest.fixture
def town(db):
    return Place.objects.create(code="UA01020010010073418", category="M", name_uk="Бахчисарай", name_latin="Bakhchysarai")


def write(tmp_path, text, name="incidents.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return str(path)


def run(*args):
    return call_command("import", *args, "--no-progress")


def test_import_csv_creates_incidents_persons_sources_and_audit(tmp_path, town, capsys):
    run(write(tmp_path, GOOD))

    incidents = list(Incident.objects.order_by("reference"))
    assert [(i.reference, i.title, i.date_precision, i.place_id) for i in incidents] == [
        ("SV-2018-000001", "Teacher dismissed", "day", town.pk),
        ("SV-2018-000002", "Threat at the hospital", "month", town.pk),
    ]
    assert sorted(t.code for t in incidents[0].legal_tags.all()) == ["echr-10", "iccpr-25"]
    assert [t.name for t in incidents[0].tags.all()] == ["crimea"]
    assert sorted(Person.objects.values_list("protected", flat=True)) == [False, True, True]
    assert Person.objects.get(protected=False).display_name == "Ivan Petrov"
    assert Involvement.objects.filter(person__display_name="Ivan Petrov").count() == 2
    assert Organization.objects.get().name == "School No. 5"
    assert Source.objects.get().url == "https://qha.example/1"
    assert [e.object_type for e in AuditEntry.objects.filter(action="import", object_type__in=["incidents.incident"])] == [
        "incidents.incident", "incidents.incident"]
    assert AuditEntry.objects.filter(action="import").exclude(object_type="incidents.vocabulary").count() == 2 + 3 + 1 + 1
    assert "Imported 2 rows" in capsys.readouterr().out


def test_import_reuses_existing_public_person_by_exact_name(tmp_path, town, coordinator):
    existing = factories.person(coordinator, name="Ivan Petrov")

    run(write(tmp_path, GOOD))

    assert Involvement.objects.filter(person=existing).count() == 2


def test_import_victims_are_protected_and_their_names_stay_out_of_audit(tmp_path, town):
    run(write(tmp_path, GOOD))

    victims = Person.objects.filter(protected=True)
    assert sorted(p.identity.full_name for p in victims) == ["Victim One", "Victim Two"]
    assert all(p.display_name.startswith("Person ") for p in victims)
    assert not AuditEntry.objects.filter(payload__contains="Victim One").exists()


def test_import_dry_run_writes_nothing(tmp_path, town, capsys):
    run(write(tmp_path, GOOD), "--dry-run")

    assert (Incident.objects.count(), Person.objects.count(), Source.objects.count()) == (0, 0, 0)
    assert capsys.readouterr().out == "2 rows are valid; nothing was written (dry run).\n"


def test_import_two_bad_rows_changes_nothing_and_reports_both(tmp_path, town, capsys):
    text = GOOD + "Bad type,no-such-type,2018-03-20,,,,,,,,,\n" + "Reversed,dismissal,2018-03-20,,,,,,,,echr-99,\n"

    with pytest.raises(CommandError) as caught:
        run(write(tmp_path, text))

    assert str(caught.value) == "2 of 4 rows have problems (2 in all); nothing was imported."
    assert capsys.readouterr().err.splitlines() == [
        "line 4: type: unknown incident_type code 'no-such-type'",
        "line 5: legal_tags: unknown legal_qualification code 'echr-99'",
    ]
    assert Incident.objects.count() == 0
    assert Person.objects.count() == 0


def test_import_reports_dates_and_missing_values_per_field(tmp_path, town, capsys):
    text = "title,type,date_start,date_end\n,dismissal,2018-03-20,2018-03-01\nFuture,dismissal,2999-01-01,\n"

    with pytest.raises(CommandError):
        run(write(tmp_path, text))

    assert capsys.readouterr().err.splitlines() == [
        "line 2: title: A title is required.",
        "line 2: date_end: The end date (March 1, 2018) is before the start date (March 20, 2018).",
        "line 3: date_start: Date 2999-01-01 is in the future.",
    ]


def test_import_latin1_file_is_refused_with_clear_message(tmp_path):
    path = write(tmp_path, "title,type,date_start\nCafé owner fined,administrative_case,2018-03-20\n", encoding="latin-1")

    with pytest.raises(CommandError) as caught:
        run(path)

    assert str(caught.value) == "incidents.csv is not UTF-8 (undecodable byte at line 2); save it as UTF-8 (in a spreadsheet: 'CSV UTF-8')."
    assert Incident.objects.count() == 0


def test_import_utf16_file_is_refused_with_clear_message(tmp_path):
    path = write(tmp_path, "title,type,date_start\nX,dismissal,2018-03-20\n", encoding="utf-16")

    with pytest.raises(CommandError) as caught:
        run(path)

    assert str(caught.value) == "incidents.csv is UTF-16 encoded; save it as UTF-8 (in a spreadsheet: 'CSV UTF-8')."


def test_import_missing_required_column_is_named(tmp_path):
    path = write(tmp_path, "title,date_start\nX,2018-03-20\n")

    with pytest.raises(CommandError) as caught:
        run(path)

    assert str(caught.value) == "incidents.csv lacks the required column(s): type."


def test_import_unknown_place_name_is_reported(tmp_path, town, capsys):
    path = write(tmp_path, "title,type,date_start,place\nX,dismissal,2018-03-20,Atlantis\n")

    with pytest.raises(CommandError):
        run(path)

    assert capsys.readouterr().err.splitlines() == [
        "line 2: place: no gazetteer place is called 'Atlantis'; give a KATOTTG code, or put free text in place_text"]


def test_import_xlsx(tmp_path, town):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["title", "type", "date_start", "victims", "source_title", "source_credibility"])
    sheet.append(["Dismissed nurse", "dismissal", "2018-03-20", "Victim One", "QHA", 2])
    path = tmp_path / "incidents.xlsx"
    workbook.save(path)

    run(str(path))

    incident = Incident.objects.get()
    assert (incident.title, str(incident.date_start)) == ("Dismissed nurse", "2018-03-20")
    assert Source.objects.get().credibility == 2


def test_import_xlsx_bad_row_reports_sheet_row_number(tmp_path, capsys):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["title", "type", "date_start"])
    sheet.append(["Good", "dismissal", "2018-03-20"])
    sheet.append(["Bad", "dismissal", "someday"])
    path = tmp_path / "incidents.xlsx"
    workbook.save(path)

    with pytest.raises(CommandError):
        run(str(path))

    assert capsys.readouterr().err.splitlines() == ["line 3: date_start: 'someday' is not a date (YYYY-MM-DD, YYYY-MM or YYYY)"]


def test_import_json_with_nested_involvements_and_sources(tmp_path):
    items = [{
        "title": "Lawyer reports dismissals", "type": "dismissal", "date_start": "2018-03-20", "status": "submitted",
        "involvements": [
            {"role": "lawyer", "name": "Emil Kurbedinov", "details": "reported it"},
            {"role": "victim", "name": "Victim One"},
            {"role": "employer", "kind": "organization", "name": "School No. 5", "perpetrator_type": "school"},
        ],
        "sources": [{"title": "QHA", "url": "https://qha.example/2", "reliability": "B", "credibility": "2", "note": "p. 1"}],
    }]

    run(write(tmp_path, json.dumps(items), name="incidents.json"))

    incident = Incident.objects.get()
    assert incident.status == "submitted"
    assert [(i.role.code, i.party.display_name == "Victim One", i.details) for i in incident.involvements.order_by("id")] == [
        ("lawyer", False, "reported it"), ("victim", False, ""), ("employer", False, "")]
    assert [p.protected for p in Person.objects.select_related("identity") if p.identity.full_name == "Victim One"] == [True]
    assert Source.objects.get().grading == "B2"


def test_import_json_nested_error_names_item_and_field(tmp_path, capsys):
    items = [{"title": "X", "type": "dismissal", "date_start": "2018-03-20", "involvements": [{"role": "bystander", "name": "Ivan Petrenko"}]}]

    with pytest.raises(CommandError):
        run(write(tmp_path, json.dumps(items), name="incidents.json"))

    assert capsys.readouterr().err.splitlines() == ["line 1: involvements[1].role: unknown involvement_role code 'bystander'"]


@pytest.mark.parametrize(("column", "value"), [
    ("victims", "A. B."), ("witnesses", " ".join(["Ivan"] * 13)), ("perpetrators", "ХХХХ"), ("perpetrators", "Ivan Petrenkoщук"),
])
def test_import_refuses_a_name_the_person_service_refuses_with_its_words(coordinator, column, value):
    """One rule: a name that ``record_person`` (the form, the API) refuses is a row error in an import,
    with the same message, and nothing is written."""
    with pytest.raises(ValidationError) as refused:
        record_person(actor=coordinator, name=value)
    row = {"title": "Dismissed", "type": "dismissal", "date_start": "2018-03-20", column: value}

    result = import_incidents(actor=coordinator, rows=[(2, row)])

    assert [str(error) for error in result.errors] == [f"line 2: {column}: {refused.value.messages[0]}"]
    assert (Incident.objects.count(), Person.objects.count()) == (0, 0)


def test_import_row_errors_are_the_record_use_cases_errors(coordinator):
    """The importer parses, then asks the same checks as ``record_incident``: each field error the use
    case raises for a row's values comes back on that row, word for word."""
    fields = {"title": "x" * 301, "type": None, "date_start": None}
    with pytest.raises(ValidationError) as refused:
        record_incident(actor=coordinator, fields=fields, tags=["t" * 61])

    result = import_incidents(actor=coordinator, rows=[(7, {"title": "x" * 301, "tags": "t" * 61})])

    assert sorted((e.line, e.field, e.message) for e in result.errors) == sorted(
        (7, field, message) for field, messages in refused.value.message_dict.items() for message in messages
    )
    assert Incident.objects.count() == 0


def test_import_service_refuses_documenter(documenter):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        import_incidents(actor=documenter, rows=[(2, {"title": "X", "type": "dismissal", "date_start": "2018-03-20"})])


def test_import_references_continue_after_existing(tmp_path, coordinator):
    factories.incident(coordinator)

    run(write(tmp_path, "title,type,date_start\nA,dismissal,2018-03-20\nB,dismissal,2018-03-21\n"))
    after = factories.incident(coordinator, title="After")

    assert sorted(Incident.objects.values_list("reference", flat=True)) == [
        "SV-2018-000001", "SV-2018-000002", "SV-2018-000003", "SV-2018-000004"]
    assert after.reference == "SV-2018-000004"


def test_import_duplicate_of_a_duplicate_in_same_file_is_a_row_error(tmp_path, capsys):
    csv = (
        "reference,title,type,date_start,status,duplicate_of\n"
        "SV-2018-000001,Original,dismissal,2018-03-20,submitted,\n"
        "SV-2018-000002,Copy,dismissal,2018-03-20,duplicate,SV-2018-000001\n"
        "SV-2018-000003,Copy of copy,dismissal,2018-03-20,duplicate,SV-2018-000002\n"
    )

    with pytest.raises(CommandError):
        run(write(tmp_path, csv))

    assert capsys.readouterr().err.splitlines() == [
        "line 4: duplicate_of: 'SV-2018-000002' is itself a duplicate; name the incident it repeats"]
    assert Incident.objects.count() == 0


def test_import_duplicate_of_itself_is_a_row_error(tmp_path, capsys):
    csv = "reference,title,type,date_start,status,duplicate_of\nSV-2018-000001,Loop,dismissal,2018-03-20,duplicate,SV-2018-000001\n"

    with pytest.raises(CommandError):
        run(write(tmp_path, csv))

    assert capsys.readouterr().err.splitlines() == ["line 2: duplicate_of: an incident cannot duplicate itself"]


VERIFIED_ROW = "title,type,date_start,status,status_reason\nChecked elsewhere,dismissal,2018-03-20,verified,Two sources\n"


def test_import_cannot_verify_under_four_eyes(tmp_path, capsys):
    with pytest.raises(CommandError, match="nothing was imported"):
        run(write(tmp_path, VERIFIED_ROW))

    error = capsys.readouterr().err
    assert error.startswith("line 2: status: an import verifies nothing under four eyes")
    assert "--verified-elsewhere" in error
    assert Incident.objects.count() == 0


def test_import_keeps_verified_from_the_source_system_when_told_and_the_audit_says_so(tmp_path):
    run(write(tmp_path, VERIFIED_ROW), "--verified-elsewhere")

    incident = Incident.objects.get()
    assert incident.status == Incident.Status.VERIFIED
    entry = AuditEntry.objects.get(action="import", object_type=Incident._meta.label_lower)
    assert entry.changes["verified_elsewhere"] == [None, True]


def test_import_keeps_verified_without_four_eyes(tmp_path, settings):
    settings.SVIDOK_FOUR_EYES = False
    run(write(tmp_path, VERIFIED_ROW))

    assert Incident.objects.get().status == Incident.Status.VERIFIED
