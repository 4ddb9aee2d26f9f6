"""The API keeps its published contract: schemathesis generates requests from ``/api/schema/`` for
every operation, as each role (with its API token) and without a token, against the real WSGI
application and database, and checks each answer against the schema: no 5xx, documented status
code, content type and body, and no answer given without valid credentials (docs/api.md)."""

import datetime as dt
import io
import os
import time
from decimal import Decimal

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_schema_conformance,
    status_code_conformance,
)

from svidok.accounts.models import Role
from svidok.accounts.services import create_token, system_account
from svidok.audit import log
from svidok.audit.models import AuditEntry
from svidok.evidence import services as evidence_services
from svidok.evidence.capture import request_capture
from svidok.evidence.models import EvidenceItem
from svidok.forensics import services as forensics_services
from svidok.incidents import services as incident_services
from svidok.incidents.models import Place
from svidok.incidents.services import record_election, submit_incident, verify_incident
from svidok.people.consent import record_consent, withdraw_consent
from tests import factories
from tests.forensics.conftest import csv_text, synthetic_row
from tests.helpers import make_user, settle_constraints
from tests.ingest import review_world

ROLES = [Role.ADMIN, Role.COORDINATOR, Role.DOCUMENTER, Role.ANALYST, Role.VIEWER]
MAX_EXAMPLES = 3
# ignored_auth: each answer given to a token is asked again without it and with a wrong one, and
# must then be refused. negative_data_rejection is not among them: see docs/api.md, "Not checked".
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          ignored_auth]


@pytest.fixture(scope="module")
def connection_kept(request):
    """The WSGI handler closes the database connection at the start and end of each request when it
    is inside a transaction; the test's transaction must survive the requests. Django's test client
    disconnects the same receivers around its requests. Also counts the requests, for the report."""
    requests = []

    def count(**kwargs):
        requests.append(1)

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    signals.request_started.connect(count, weak=False)
    started = time.process_time()
    yield
    signals.request_started.disconnect(count)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\nschemathesis: {len(requests)} requests through the WSGI application, "
              f"{time.process_time() - started:.1f} s of this process's CPU")


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, module_evidence_storage, connection_kept):
    """A small realistic dataset with the nulls the schema must allow, made once for the module and
    rolled back at its end; each test's own writes are rolled back after it (``db``)."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = _world()
        settle_constraints()
        yield world
        transaction.set_rollback(True)


def _world():
    users = {role: make_user(role) for role in ROLES}
    coordinator, documenter = users[Role.COORDINATOR], users[Role.DOCUMENTER]
    crimea = Place.objects.create(code="UA01000000000013043", category="O", name_uk="Автономна Республіка Крим",
                                  name_latin="Avtonomna Respublika Krym")
    raion = Place.objects.create(code="UA01020000000022387", category="P", name_uk="Бахчисарайський",
                                 name_latin="Bakhchysaraiskyi", parent=crimea, region=crimea)
    election = record_election(actor=coordinator, fields={"name": "Presidential 2018", "date": dt.date(2018, 3, 18),
                                                          "territory": crimea})
    incident_services.record_election_figure(actor=coordinator, election=election, fields={
        "metric": "turnout", "value": Decimal("71.50"), "official": True})
    source = factories.source(documenter)
    victim = factories.person(documenter, "Oleksandr Ivanenko", protected=True)
    # One consent in force, one withdrawn: the answers hold both shapes (the withdrawal's fields set and null).
    consent = record_consent(actor=documenter, person=victim, purpose="partner", partner="OSCE ODIHR",
                             given_on=dt.date(2024, 3, 1), method="written", note="form in the office safe")
    withdraw_consent(actor=coordinator, consent=record_consent(
        actor=documenter, person=victim, purpose="publication", given_on=dt.date(2024, 3, 1), method="message"),
        withdrawn_on=dt.date(2024, 6, 1), method="message")
    factories.person(documenter, "Petro Kovalenko")
    organization = factories.organization(documenter)
    verified = factories.incident(documenter, title="Teacher dismissed for not voting", place=raion, election=election)
    submit_incident(actor=documenter, incident=verified)
    verify_incident(actor=coordinator, incident=verified)
    original = factories.incident(documenter, title="Threat at a polling station")
    copy = factories.incident(documenter, title="Threat at a polling station, again")
    submit_incident(actor=documenter, incident=copy)
    incident_services.mark_duplicate(actor=coordinator, incident=copy, original=original, reason="same event")
    factories.incident(documenter, title="A draft without a place")
    incident_services.add_involvement(actor=documenter, incident=verified, person=victim, organization=None,
                                      role=factories.term("involvement_role", "victim"), perpetrator_type=None)
    involvement = incident_services.add_involvement(
        actor=documenter, incident=verified, person=None, organization=organization,
        role=factories.term("involvement_role", "perpetrator"), perpetrator_type=factories.term("perpetrator_type", "employer"))
    intervention = incident_services.record_intervention(actor=coordinator, fields={
        "kind": factories.term("intervention_type", "statement"), "title": "Statement on dismissals"}, incidents=[verified])
    with override_settings(SVIDOK_CAPTURE_ALLOW_LOOPBACK=True):
        capture = request_capture(actor=documenter, url="http://127.0.0.1:9/page", incident=verified)
    item = evidence_services.add_item(actor=documenter, file=io.BytesIO(b"%PDF-1.4 synthetic"), name="letter.pdf",
                               incident=verified, method=EvidenceItem.Method.UPLOAD)
    result_set = forensics_services.import_results(
        actor=coordinator, election=election, name="results.csv",
        source=csv_text([synthetic_row(), synthetic_row(uik="2", ivanov=500, petrov=140)]).encode()).result_set
    article, dismissal, _participation = review_world.world(documenter, place=raion)
    ids = {
        "articles": str(article.uuid), "candidates": str(dismissal.uuid),
        "incidents": verified.reference, "involvements": str(involvement.uuid), "persons": str(victim.uuid),
        "consents": str(consent.uuid), "organizations": str(organization.uuid), "sources": str(source.uuid), "interventions": str(intervention.uuid),
        "places": raion.code, "elections": str(election.uuid), "result-sets": str(result_set.uuid),
        "evidence": str(item.uuid), "captures": str(capture.uuid), "vocabularies": "incident_type",
        "match": "registry", "proof": str(AuditEntry.objects.order_by("id").values_list("id", flat=True).first()),
    }
    tokens = {role: create_token(actor=system_account(), user=user) for role, user in users.items()}
    return {"tokens": tokens, "ids": ids}


def real_id(world, path: str, name: str) -> str:
    """The identifier of a record of ``world`` for the path parameter ``name`` of ``path``
    (``/api/v1/incidents/{reference}/involvements/{involvement_uuid}/``: an incident, an involvement)."""
    if name == "key_id":
        return next(iter(k["key_id"] for k in log.public_keys()), "0" * 64)
    segments = path.strip("/").split("/")
    collection = "involvements" if name == "involvement_uuid" else segments[segments.index("{" + name + "}") - 1]
    return world["ids"].get(collection, "00000000-0000-4000-8000-000000000000")


# The schema as /api/schema/ serves it (tests/incidents/test_api_reference.py checks that route),
# generated at import time: schemathesis makes one test per operation from it.
# Generated requests, valid and invalid ("all" modes), a few per operation: the whole run stays
# within seconds per role. The coverage phase (every boundary value, every undeclared method: ten
# times the requests) runs only when asked, SVIDOK_API_COVERAGE=1 (docs/api.md).
COVERAGE = os.environ.get("SVIDOK_API_COVERAGE", "") == "1"
CONFIG = schemathesis.Config.from_dict({
    "phases": {"examples": {"enabled": False}, "coverage": {"enabled": COVERAGE}, "fuzzing": {"enabled": True}},
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES, "deterministic": True},
})
schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True), config=CONFIG)
schema.app = get_wsgi_application()


def contract_test(role):
    """The test of one role, ``None`` for a caller without a token: schemathesis makes one test per
    operation of it (and refuses a pytest parameter it does not fill, so no ``role`` parameter)."""

    @schema.parametrize()
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def test(case, world, db):
        headers = {} if role is None else {"Authorization": f"Token {world['tokens'][role]}"}
        case.call_and_validate(headers=headers, checks=CHECKS)
        if case.path_parameters:
            # Generated identifiers name nothing: the same request again on a record of the world.
            case.path_parameters = {name: real_id(world, case.operation.path, name) for name in case.path_parameters}
            case.call_and_validate(headers=headers, checks=CHECKS)

    return test


test_api_keeps_its_schema_as_admin = contract_test(Role.ADMIN)
test_api_keeps_its_schema_as_coordinator = contract_test(Role.COORDINATOR)
test_api_keeps_its_schema_as_documenter = contract_test(Role.DOCUMENTER)
test_api_keeps_its_schema_as_analyst = contract_test(Role.ANALYST)
test_api_keeps_its_schema_as_viewer = contract_test(Role.VIEWER)
test_api_keeps_its_schema_without_a_token = contract_test(None)
