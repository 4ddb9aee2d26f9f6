"""The replica router's rules (svidok/common/db_router.py): what may be read on a replica, when, and
what never is. Without a real replica here, the two questions the middleware asks a database (is the
replica reachable, has it replayed the person's last write) are answered by the test; the whole path,
on a real primary and streaming replica, is tests/scale/test_scale_out.py."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.core import signing
from django.db import transaction
from django.http import HttpResponse
from django.test import RequestFactory
from django_tasks_db.models import DBTaskResult

from svidok.accounts.models import APIToken, User
from svidok.audit.models import AuditEntry
from svidok.common import db_router
from svidok.common.db_router import COOKIE, PRIMARY, ReplicaReadsMiddleware, ReplicaRouter, RequestReads
from svidok.evidence.models import EvidenceItem
from svidok.incidents.models import CaseShare, Incident, IncidentAccess, Place
from svidok.people.models import Consent, Person, PersonIdentity
from svidok.search.models import SearchEntry

router = ReplicaRouter()


@pytest.fixture
def replica(settings):
    settings.SVIDOK_REPLICA_DATABASES = ["replica1"]
    return "replica1"


@pytest.fixture
def in_request(replica):
    """Inside a request the middleware found eligible for the replica."""
    token = db_router._current.set(RequestReads(replica))
    yield db_router._current.get()
    db_router._current.reset(token)


def test_outside_a_request_every_read_is_on_the_primary(replica):
    # Commands, the worker, migrations: a job reads what the request that queued it just wrote.
    assert router.db_for_read(Incident) == PRIMARY


def test_in_an_eligible_request_records_are_read_on_the_replica(in_request):
    assert [router.db_for_read(model) for model in (Incident, Place, SearchEntry)] == ["replica1"] * 3


@pytest.mark.parametrize("model", [User, APIToken, Session, AuditEntry, Person, PersonIdentity, Consent,
                                   EvidenceItem, CaseShare, IncidentAccess, DBTaskResult])
def test_sensitive_and_queue_models_are_read_on_the_primary_even_in_an_eligible_request(in_request, model):
    assert router.db_for_read(model) == PRIMARY


def test_after_a_write_the_request_reads_on_the_primary(in_request):
    assert router.db_for_write(Incident) == PRIMARY
    assert in_request.wrote
    assert router.db_for_read(Incident) == PRIMARY


def test_related_rows_of_an_object_from_the_primary_are_read_there(in_request):
    incident = Incident()
    incident._state.db = PRIMARY
    assert router.db_for_read(Place, instance=incident) == PRIMARY
    incident._state.db = "replica1"
    assert router.db_for_read(Place, instance=incident) == "replica1"


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_reads_are_on_the_primary(in_request):
    with transaction.atomic():
        assert router.db_for_read(Incident) == PRIMARY
    assert router.db_for_read(Incident) == "replica1"


def test_migrations_only_on_the_primary(replica):
    assert router.allow_migrate("replica1", "incidents", "incident") is False
    assert router.allow_migrate(PRIMARY, "incidents", "incident") is None


def test_objects_of_the_primary_and_a_replica_may_refer_to_each_other(replica):
    first, second = Incident(), Place()
    first._state.db, second._state.db = PRIMARY, "replica1"
    assert router.allow_relation(first, second) is True
    second._state.db = "elsewhere"
    assert router.allow_relation(first, second) is None


# --- the middleware ------------------------------------------------------------------------------------


class Probe:
    """The view: records where an incident would be read, and writes when asked to."""

    def __init__(self, write=False):
        self.write, self.read_on = write, None

    def __call__(self, request):
        if self.write:
            router.db_for_write(Incident)
        self.read_on = router.db_for_read(Incident)
        return HttpResponse("ok")


@pytest.fixture
def databases(replica, monkeypatch):
    """The answers of the primary and the replica: the primary's WAL position, the replica's replay position."""
    state = {"primary": "0/3000100", "replayed": "0/3000000", "reachable": True}
    monkeypatch.setattr(db_router, "primary_lsn", lambda: state["primary"])
    monkeypatch.setattr(db_router, "reachable", lambda alias: state["reachable"])

    def replayed(alias, lsn):
        as_int = [int(part, 16) for part in state["replayed"].split("/")], [int(part, 16) for part in lsn.split("/")]
        return as_int[0] >= as_int[1]

    monkeypatch.setattr(db_router, "replayed", replayed)
    return state


def run(request, write=False):
    view = Probe(write)
    response = ReplicaReadsMiddleware(view)(request)
    return view.read_on, response


def test_a_get_reads_on_the_replica_and_sets_no_cookie(databases):
    read_on, response = run(RequestFactory().get("/incidents/"))
    assert read_on == "replica1"
    assert COOKIE not in response.cookies


@pytest.mark.parametrize("path", ["/public/", "/public/incidents/", "/admin/", "/accounts/login/"])
def test_excluded_paths_read_on_the_primary(databases, path):
    assert run(RequestFactory().get(path))[0] == PRIMARY


def test_a_post_reads_on_the_primary_and_pins_the_person_to_its_wal_position(databases):
    read_on, response = run(RequestFactory().post("/incidents/new/"))
    assert read_on == PRIMARY
    cookie = response.cookies[COOKIE]
    assert signing.loads(cookie.value, salt=db_router._SALT) == "0/3000100"
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_a_get_that_writes_pins_too(databases):
    read_on, response = run(RequestFactory().get("/incidents/"), write=True)
    assert read_on == PRIMARY
    assert COOKIE in response.cookies


def test_the_next_read_waits_on_the_primary_until_the_replica_has_the_write(databases):
    _, response = run(RequestFactory().post("/incidents/new/"))
    factory = RequestFactory()
    factory.cookies[COOKIE] = response.cookies[COOKIE].value

    read_on, response = run(factory.get("/incidents/"))
    assert read_on == PRIMARY  # the replica has replayed to 0/3000000 only
    assert COOKIE not in response.cookies  # kept as it is

    databases["replayed"] = "0/3000100"
    read_on, response = run(factory.get("/incidents/"))
    assert read_on == "replica1"
    assert response.cookies[COOKIE].value == ""  # caught up: the cookie is dropped


def test_a_forged_cookie_is_dropped_and_that_request_reads_on_the_primary(databases):
    factory = RequestFactory()
    factory.cookies[COOKIE] = "0/0"
    read_on, response = run(factory.get("/incidents/"))
    assert read_on == PRIMARY
    assert response.cookies[COOKIE].value == ""


def test_an_unreachable_replica_leaves_reads_on_the_primary(databases):
    databases["reachable"] = False
    assert run(RequestFactory().get("/incidents/"))[0] == PRIMARY


def test_without_replicas_nothing_is_installed(settings):
    assert not settings.SVIDOK_REPLICA_DATABASES  # the suite runs without DATABASE_REPLICA_URLS
    assert "svidok.common.db_router.ReplicaReadsMiddleware" not in settings.MIDDLEWARE
    assert not settings.DATABASE_ROUTERS


# --- the settings ----------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
SHOW = """
import json, os
os.environ["DJANGO_SETTINGS_MODULE"] = "svidok.settings"
from django.conf import settings
print(json.dumps({"replicas": settings.SVIDOK_REPLICA_DATABASES, "routers": settings.DATABASE_ROUTERS,
                  "mirror": [settings.DATABASES[a]["TEST"] for a in settings.SVIDOK_REPLICA_DATABASES],
                  "hosts": [settings.DATABASES[a]["HOST"] for a in settings.SVIDOK_REPLICA_DATABASES],
                  "middleware": settings.MIDDLEWARE[:3]}))
"""


def settings_with(tmp_path, **variables) -> subprocess.CompletedProcess:
    """Settings are read once per process: each environment in a process of its own (no connection is made)."""
    env = {name: value for name, value in os.environ.items() if name not in ("DATABASE_URL", "DATABASE_REPLICA_URLS")}
    env.update(SVIDOK_VAR_DIR=str(tmp_path / "var"), **variables)
    return subprocess.run([sys.executable, "-c", SHOW], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_replicas_are_aliases_mirrored_in_tests_with_the_router_and_middleware_installed(tmp_path):
    done = settings_with(tmp_path, DATABASE_URL="postgres://svidok@db1/svidok",
                         DATABASE_REPLICA_URLS="postgres://ro@db2/svidok, postgres://ro@db3/svidok")
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown == {"replicas": ["replica1", "replica2"], "routers": ["svidok.common.db_router.ReplicaRouter"],
                     "mirror": [{"MIRROR": "default"}] * 2, "hosts": ["db2", "db3"],
                     "middleware": ["django.middleware.security.SecurityMiddleware",
                                    "whitenoise.middleware.WhiteNoiseMiddleware",
                                    "svidok.common.db_router.ReplicaReadsMiddleware"]}


@pytest.mark.parametrize(("variables", "message"), [
    ({"DATABASE_REPLICA_URLS": "postgres://ro@db2/svidok"},
     "DATABASE_REPLICA_URLS needs DATABASE_URL to be a PostgreSQL database."),
    ({"DATABASE_URL": "postgres://svidok@db1/svidok", "DATABASE_REPLICA_URLS": "sqlite:////tmp/copy.sqlite3"},
     "DATABASE_REPLICA_URLS must name PostgreSQL streaming replicas."),
    ({"DATABASE_URL": "postgres://svidok@db1/svidok", "DATABASE_REPLICA_URLS": "nonsense://x"},
     "DATABASE_REPLICA_URLS has an invalid database URL"),
])
def test_a_bad_replica_setting_stops_start_up_naming_it(tmp_path, variables, message):
    done = settings_with(tmp_path, **variables)
    assert done.returncode != 0
    assert message in done.stderr
