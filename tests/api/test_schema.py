"""The published OpenAPI schema tells the truth about nulls, errors and vocabulary codes; the API
answers what the schema promises at its edges (unknown addresses, an empty search)."""

import pytest
from drf_spectacular.generators import SchemaGenerator

from svidok.incidents.models import Vocabulary
from tests.helpers import make_user

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def spec():
    return SchemaGenerator().get_schema(request=None, public=True)


def operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def is_nullable(schema: dict) -> bool:
    return schema.get("nullable") is True


@pytest.mark.parametrize(("component", "field"), [
    ("Place", "parent"), ("Place", "raion"), ("Place", "region"),
    ("ElectionFigure", "source"), ("ElectionFigure", "territory"), ("Election", "territory"),
    ("IncidentList", "duplicate_of"), ("IncidentList", "place"), ("IncidentList", "election"),
    ("IncidentDetail", "duplicate_of"), ("Involvement", "person"), ("Involvement", "organization"),
    ("Link", "incident"), ("Link", "source"), ("Capture", "incident"), ("Item", "created_by"),
])
def test_schema_answer_field_read_through_a_nullable_relation_is_nullable(spec, component, field):
    assert is_nullable(spec["components"]["schemas"][component]["properties"][field])


def test_schema_nested_nullable_record_keeps_its_reference(spec):
    # OpenAPI 3.0 ignores the siblings of a $ref: a nullable PlaceBrief is wrapped in allOf.
    place = spec["components"]["schemas"]["IncidentList"]["properties"]["place"]

    assert place == {"allOf": [{"$ref": "#/components/schemas/PlaceBrief"}], "nullable": True, "readOnly": True}


def test_schema_field_of_a_required_relation_stays_not_nullable(spec):
    assert not is_nullable(spec["components"]["schemas"]["IncidentSource"]["properties"]["source"])
    assert not is_nullable(spec["components"]["schemas"]["IncidentList"]["properties"]["reference"])


def test_schema_every_signed_in_operation_documents_401_403_and_429(spec):
    missing = [(path, method, code) for path, method, operation in operations(spec) if operation.get("security")
               for code in ("401", "403", "429") if code not in operation["responses"]]

    assert missing == []


def test_schema_every_operation_naming_a_record_documents_404(spec):
    missing = [(path, method) for path, method, operation in operations(spec)
               if "{" in path and "404" not in operation["responses"]]

    assert missing == []


def test_schema_every_write_documents_400_with_field_errors(spec):
    wrong = [(path, method) for path, method, operation in operations(spec) if method != "get"
             and "#/components/schemas/FieldErrors" not in str(operation["responses"].get("400"))]

    assert wrong == []


def test_schema_error_answers_have_a_json_body(spec):
    bodiless = [(path, method, code) for path, method, operation in operations(spec)
                for code, response in operation["responses"].items()
                if code in ("400", "401", "403", "404", "429") and "application/json" not in response.get("content", {})]

    assert bodiless == []


def test_schema_public_key_operations_document_no_sign_in_errors(spec):
    keys = spec["paths"]["/api/v1/audit/keys/"]["get"]

    assert sorted(keys["responses"]) == ["200"]


def test_schema_term_fields_name_a_loaded_vocabulary(spec):
    named = set()

    def walk(node):
        if isinstance(node, dict):
            if "x-vocabulary" in node:
                named.add(node["x-vocabulary"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)

    assert named == {"incident_type", "source_type", "involvement_role", "perpetrator_type", "intervention_type",
                     "legal_qualification"}
    assert named <= set(Vocabulary.objects.values_list("code", flat=True))


def test_schema_incident_ordering_is_enumerated(spec):
    parameters = {p["name"]: p for p in spec["paths"]["/api/v1/incidents/"]["get"]["parameters"]}

    assert parameters["ordering"]["schema"]["enum"] == ["-date", "-reference", "-title", "-updated", "date", "reference",
                                                        "status", "title", "updated"]


def test_search_with_empty_q_finds_nothing(api, viewer, verified):
    response = api(viewer).get("/api/v1/search/", {"q": ""})

    assert response.status_code == 200
    assert response.json() == {"q": "", "incidents": [], "persons": [], "organizations": [], "places": []}


def test_search_with_too_long_q_is_400(api, viewer):
    response = api(viewer).get("/api/v1/search/", {"q": "x" * 201})

    assert response.status_code == 400
    assert response.json() == {"q": ["A search text is at most 200 characters long."]}


@pytest.mark.parametrize("path", [
    "/api/v1/persons/not-a-uuid/",
    "/api/v1/evidence/00000000000000000000000000000000000/",  # 36 characters of the old pattern, not a UUID
    "/api/v1/evidence/------------------------------------/download/",
    "/api/v1/no-such-collection/",
])
def test_api_unknown_address_is_a_json_404(api, viewer, path):
    response = api(viewer).get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_schema_capture_request_is_the_order_and_answers_202(spec):
    # It documented the capture record itself as the request body, and 201.
    operation = spec["paths"]["/api/v1/captures/"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]

    assert sorted(spec["components"]["schemas"][body]["properties"]) == ["incident", "source", "url"]
    assert "202" in operation["responses"] and "201" not in operation["responses"]


# -- NUL characters: PostgreSQL refuses them in a query with an error (a 500); SQLite finds nothing.
# Found by the schemathesis run on PostgreSQL (PATCH /incidents/{reference}/ with a NUL in "type").


@pytest.mark.parametrize(("field", "value"), [("type", "dis\x00missal"), ("place", "UA01\x00"),
                                              ("legal_tags", ["echr\x00-10"])])
def test_incident_patch_with_nul_in_a_looked_up_field_is_400(api, coordinator, verified, field, value):
    response = api(coordinator).patch(f"/api/v1/incidents/{verified.reference}/", {field: value}, format="json")

    assert response.status_code == 400
    error = response.json()[field]
    assert (error if isinstance(error, list) else error["0"]) == ["Null characters are not allowed."]


@pytest.mark.parametrize(("path", "parameter"), [
    ("/api/v1/incidents/", "type"), ("/api/v1/incidents/", "tag"), ("/api/v1/incidents/", "legal"),
    ("/api/v1/incidents/", "place"), ("/api/v1/places/", "parent"), ("/api/v1/evidence/", "incident"),
])
def test_list_filter_with_nul_is_400(api, viewer, path, parameter):
    response = api(viewer).get(path, {parameter: "a\x00b"})

    assert response.status_code == 400
    assert response.json() == {parameter: ["Null characters are not allowed."]}


def test_vocabulary_forbidden_is_drf_s_403(api, db):
    response = api(make_user("", "norole")).get("/api/v1/vocabularies/")

    assert response.status_code == 403
    assert response.json() == {"detail": "You do not have permission to perform this action."}


def test_api_errors_are_in_the_caller_s_language(api, viewer):
    response = api(viewer).get("/api/v1/places/", {"category": "Z"}, HTTP_ACCEPT_LANGUAGE="uk")

    assert response.status_code == 400
    assert response.json() == {"category": ["Використайте одне з: O, K, P, H, M, X, C, B."]}
