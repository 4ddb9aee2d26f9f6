"""The authorization walk: every URL pattern of the project (web pages, the API, the admin) × every
role × every incident sensitivity, as GET requests on real records, against the invariants that
follow from docs/permissions.md. There is no exception list: a pattern the walk cannot fill with a
record fails the test, so a new address must be given its records in ``fill`` below (which is part
of the contract), and the public addresses are derived from the views (API views open to anyone)
or read from the document ("Addresses open without signing in").

Invariants checked on every answer:
- never a 5xx;
- an incident-scoped address answers 404 exactly when the user may not see the incident (rule 8;
  the oracle is ``visible_incidents``, itself checked against the tables by test_permission_matrix)
  or 405 (the address takes no GET);
- the title of an incident the user may not see appears in no answer, and a protected person's
  real name in none at all (rule 6: never on a page load);
- a visitor who has not signed in (and an inactive account) is sent to the sign-in page by the web
  UI and gets 401 from the API (rule 7), except on the public addresses;
- a 200 on a non-public address either follows a permission check the user passed (``rules.can``
  granted an action during the request) or holds no record at all (the API's lists answer an empty
  page to a role that may not read their kind); a user whose role grants nothing sees no record;
- no answer to a counsel account names a record outside the incidents shared with it (rule 13);
- Django's admin answers 200 only to a role that may manage users (the administrators).

The figures (requests, time, checks per principal) are printed with ``-s``.
"""

import datetime as dt
import io
import json
import re
import time
from decimal import Decimal
from urllib.parse import urlparse

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core import signals
from django.db import close_old_connections, transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from PIL import Image
from rest_framework.permissions import AllowAny

from svidok.accounts import rules
from svidok.accounts.models import APIToken, Role, User
from svidok.accounts.services import create_token, system_account
from svidok.audit import log
from svidok.audit.models import AuditEntry
from svidok.evidence import services as evidence_services
from svidok.evidence.capture import request_capture
from svidok.evidence.models import EvidenceItem
from svidok.forensics import services as forensics_services
from svidok.incidents import services as incident_services
from svidok.incidents.models import Case, CaseShare, Incident, Place
from svidok.incidents.queries import visible_incidents
from svidok.incidents.services import record_election, submit_incident, verify_incident
from svidok.people.consent import record_consent
from svidok.people.merging import judge_pair
from svidok.sanctions import services as sanctions_services
from svidok.work import services as work_services
from tests import factories
from tests.forensics.conftest import csv_text, synthetic_row
from tests.helpers import login, settle_constraints
from tests.ingest import review_world

DOC = django_settings.BASE_DIR / "docs" / "permissions.md"
SENSITIVITIES = list(Incident.Sensitivity.values)
ROLES = list(Role.values)
# Principals beyond the roles: a visitor, an account whose role grants nothing, an inactive admin.
PRINCIPALS = [*ROLES, "anonymous", "no-role", "inactive"]
TITLE = {s: f"Walk {s} incident qzx" for s in SENSITIVITIES}
REAL_NAME = "Walkvictim Hrytsenkova"


# -- the URL patterns ---------------------------------------------------------------------------


def patterns():
    """``(route, name, callback, pieces)`` for every URL pattern, recursively, in resolving order;
    ``pieces`` are the patterns from the root down (to build an address from)."""

    def walk(resolver, pieces, namespace):
        for p in resolver.url_patterns:
            if isinstance(p, URLResolver):
                ns = f"{namespace}:{p.namespace}" if namespace and p.namespace else (p.namespace or namespace)
                yield from walk(p, [*pieces, p.pattern], ns)
            elif isinstance(p, URLPattern):
                name = f"{namespace}:{p.name}" if namespace and p.name else p.name
                route = "".join(str(x) for x in [*pieces, p.pattern])
                yield route, name or "", p.callback, [*pieces, p.pattern]

    return list(walk(get_resolver(), [], None))


ROUTE_PARAM = re.compile(r"<(?:\w+:)?(\w+)>")
REGEX_PARAM = re.compile(r"\(\?P<(\w+)>[^)]*\)")


def params_of(pieces) -> list[str]:
    names = []
    for piece in pieces:
        names += ROUTE_PARAM.findall(str(piece)) + REGEX_PARAM.findall(str(piece))
    return names


def build(pieces, values: dict) -> str:
    """The address of a pattern with ``values`` for its parameters."""
    out = ""
    for piece in pieces:
        text = str(piece)
        if "(?P<" in text or text.startswith("^") or text.endswith("$"):
            text = REGEX_PARAM.sub(lambda m: str(values[m.group(1)]), text)
            text = text.lstrip("^").rstrip("$").replace("/?", "").replace("\\.", ".")
        else:
            text = ROUTE_PARAM.sub(lambda m: str(values[m.group(1)]), text)
        out += text
    return "/" + out


# -- the world ----------------------------------------------------------------------------------


def _user(username, role, *, active=True):
    user = User(username=username, role=role, is_active=active)
    user.set_unusable_password()
    user.save()
    return user


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, module_evidence_storage):
    """Made once for the module, rolled back at its end. A verified incident of each sensitivity
    by an outside documenter, each with a protected victim, a perpetrator organization and an
    evidence item; a case holding all three shared with the counsel account; and one record of
    every other kind an address names."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = _world()
        settle_constraints()
        yield world
        transaction.set_rollback(True)


def _png(sensitivity: str) -> io.BytesIO:
    """A small image (its thumbnail address answers for it), different for each sensitivity."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (SENSITIVITIES.index(sensitivity) * 80, 0, 0)).save(out, format="PNG")
    out.seek(0)
    return out


def _world():
    users = {role: _user(f"walk-{role}", role) for role in ROLES}
    users["no-role"] = _user("walk-no-role", "")
    users["inactive"] = _user("walk-inactive", Role.ADMIN, active=False)
    outsider = _user("walk-outsider", Role.DOCUMENTER)
    lead = _user("walk-lead", Role.COORDINATOR)

    crimea = Place.objects.create(code="UA01000000000013043", category="O", name_uk="Автономна Республіка Крим",
                                  name_latin="Avtonomna Respublika Krym")
    raion = Place.objects.create(code="UA01020000000022387", category="P", name_uk="Бахчисарайський",
                                 name_latin="Bakhchysaraiskyi", parent=crimea, region=crimea)
    election = record_election(actor=lead, fields={"name": "Walk election", "date": dt.date(2018, 3, 18),
                                                   "territory": crimea})
    incident_services.record_election_figure(actor=lead, election=election, fields={
        "metric": "turnout", "value": Decimal("71.50"), "official": True})
    source = factories.source(outsider)
    # Linked to no incident: nothing a counsel account may see names it (rule 13).
    record_election(actor=lead, fields={"name": "Walk lonely election", "date": dt.date(2019, 3, 31), "territory": crimea})
    victim = factories.person(outsider, REAL_NAME, protected=True)
    consent = record_consent(actor=lead, person=victim, purpose="litigation", given_on=dt.date(2024, 3, 1),
                             method="written", note="Walk consent note")
    chair = factories.person(outsider, "Petro Walkovenko")
    twin = factories.person(outsider, "Petro Walkovenkov")
    organization = factories.organization(outsider)

    incidents, involvements, items = {}, {}, {}
    for s in SENSITIVITIES:
        incident = factories.incident(outsider, title=TITLE[s], sensitivity=s, place=raion, election=election)
        incident_services.add_involvement(actor=outsider, incident=incident, person=victim, organization=None,
                                          role=factories.term("involvement_role", "victim"), perpetrator_type=None)
        involvements[s] = incident_services.add_involvement(
            actor=outsider, incident=incident, person=None, organization=organization,
            role=factories.term("involvement_role", "perpetrator"),
            perpetrator_type=factories.term("perpetrator_type", "employer"))
        items[s] = evidence_services.add_item(actor=outsider, file=_png(s), name="photo.png", incident=incident,
                                              method=EvidenceItem.Method.UPLOAD)
        submit_incident(actor=outsider, incident=incident)
        verify_incident(actor=lead, incident=incident)
        incident.refresh_from_db()
        incidents[s] = incident

    case = Case.objects.create(name="Walk case")
    case.incidents.add(*incidents.values())
    CaseShare.objects.create(case=case, user=users[Role.COUNSEL])
    intervention = incident_services.record_intervention(actor=lead, fields={
        "kind": factories.term("intervention_type", "statement"), "title": "Walk statement"},
        incidents=[incidents["public"]])
    with override_settings(SVIDOK_CAPTURE_ALLOW_LOOPBACK=True):
        capture = request_capture(actor=outsider, url="http://127.0.0.1:9/page", incident=incidents["public"])
    result_set = forensics_services.import_results(
        actor=lead, election=election, name="results.csv",
        source=csv_text([synthetic_row(), synthetic_row(uik="2", ivanov=500, petrov=140)]).encode()).result_set
    analysis = forensics_services.run_and_save(actor=lead, result_set=result_set, replicates=10)
    judgement = judge_pair(actor=lead, a=chair, b=twin, verdict="different")
    proposal = sanctions_services.create_proposal(actor=lead, title="Walk proposal")
    member = sanctions_services.add_member(actor=lead, proposal=proposal, person=chair)
    # Daily work: an assignment, comments with a mention (so notifications), a saved search. Only
    # accounts one can sign in as are assigned work (not service accounts): the documenter gets a password.
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        users[Role.DOCUMENTER].set_password("walk")
        users[Role.DOCUMENTER].save()
    work_services.assign(actor=lead, record=incidents["internal"], assignee=users[Role.DOCUMENTER])
    work_services.add_comment(actor=lead, record=incidents["internal"], body=f"@{users[Role.DOCUMENTER].username} walk comment")
    work_services.add_comment(actor=lead, record=proposal, body=f"@{users[Role.DOCUMENTER].username} walk comment on a proposal")
    saved_search = work_services.save_search(actor=lead, name="Walk search", query="status=verified")
    create_token(actor=system_account(), user=users[Role.ADMIN])
    Group.objects.create(name="walk group")
    article, candidate, _other = review_world.world(outsider, place=raion)

    clients = {}
    for principal in PRINCIPALS:
        client = Client(raise_request_exception=False)
        if principal != "anonymous":
            login(client, users[principal])
        clients[principal] = client
    return {
        "users": users, "clients": clients, "incidents": incidents, "involvements": involvements, "items": items,
        "case": case, "source": source, "victim": victim, "chair": chair, "twin": twin,
        "organization": organization, "election": election, "place": raion, "intervention": intervention,
        "capture": capture, "result_set": result_set, "analysis": analysis, "judgement": judgement,
        "proposal": proposal, "member": member, "consent": consent, "token": APIToken.objects.filter(user=users[Role.ADMIN]).first(),
        "device": users[Role.ADMIN].totpdevice_set.first(), "article": article, "candidate": candidate,
        "saved_search": saved_search,
    }


# -- filling the parameters: the contract of which record each address names ---------------------


# The record a ``uuid`` names, by the start of the address's name (web) or its router basename (API).
UUID_OWNERS = {
    "incidents:source_": "source", "incidents:election_": "election", "incidents:figure_create": "election",
    "incidents:case_": "case", "people:person_": "victim", "people:organization_": "organization",
    "people:duplicate_undo": "judgement", "sanctions:proposal_": "proposal", "forensics:import": "election",
    "forensics:analysis": "analysis", "forensics:": "result_set", "evidence:": "item",
    "api:source-": "source", "api:intervention-": "intervention", "api:election-": "election",
    "api:person-": "victim", "api:organization-": "organization", "api:result-set-": "result_set",
    "api:analysis-": "analysis", "api:evidence-item-": "item", "api:capture-": "capture",
    "ingest:article": "article", "ingest:candidate": "candidate", "api:news-article-": "article",
    "api:news-candidate-": "candidate", "work:proposal_": "proposal", "work:search_": "saved_search",
}


def _admin_model(route: str):
    match = re.match(r"admin/(\w+)/(\w+)/", route)
    return apps.get_model(match.group(1), match.group(2)) if match else None


def fill(world, route: str, name: str, param: str, sensitivity: str):
    """The value of ``param`` for the address ``name`` (``route``) when walking ``sensitivity``;
    ``(value, incident-scoped)``. A KeyError here is a pattern the walk does not know: add it."""
    incident = world["incidents"][sensitivity]
    if param == "reference":
        return incident.reference, True
    if param == "involvement_uuid":
        return world["involvements"][sensitivity].uuid, True
    if param == "uuid":
        owner = next(v for k, v in sorted(UUID_OWNERS.items(), key=lambda kv: -len(kv[0])) if name.startswith(k))
        if owner == "item":
            return world["items"][sensitivity].uuid, True
        return world[owner].uuid, False
    if param == "object_id" and name == "admin:view_on_site":
        return incident.pk, False
    if param == "object_id":
        model = _admin_model(route)
        if model is Incident:
            return incident.pk, False
        record = model.objects.order_by("pk").first()
        # A model with no row in the world (task results, lockout records): the admin's answer for
        # a missing record is walked then.
        return (record.pk if record else 0), False
    values = {
        "format": "json", "member_uuid": world["member"].uuid, "consent_uuid": world["consent"].uuid, "left": world["chair"].uuid,
        "right": world["twin"].uuid, "public_id": world["token"].public_id, "entry_id": _first_entry(),
        "key_id": _key_id(), "dataset": "registry", "name": "turnout", "action": "sign-off",
        "fmt": "csv" if name == "sanctions:proposal_export" else "svg",
        "content_type_id": ContentType.objects.get_for_model(Incident).pk, "app_label": "incidents",
        "url": "walk-nowhere/", "pk": world["device"].pk, "line": 2, "kind": "involvement",
        "slug": "walk-nowhere", "key": "by-month",
    }
    if param == "key" and name.startswith("reports:statistics"):
        return "by-month", False
    if param == "code":
        return (world["place"].code if "place" in name else "incident_type"), False
    return values[param], False


def _first_entry():
    return AuditEntry.objects.order_by("id").values_list("id", flat=True).first()


def _key_id():
    return next(iter(k["key_id"] for k in log.public_keys()), "0" * 64)


# -- public addresses ---------------------------------------------------------------------------


def documented_public_names() -> set[str]:
    """The URL names listed under "Addresses open without signing in" in docs/permissions.md."""
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Addresses open without signing in", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^- `([^`]+)`", section, flags=re.MULTILINE))


def is_public(route: str, name: str, callback) -> bool:
    view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if route.startswith("api/") and view_class is not None:
        permissions = getattr(view_class, "permission_classes", None) or []
        return bool(permissions) and all(p is AllowAny for p in permissions)
    return name in documented_public_names()


# -- the walk -----------------------------------------------------------------------------------


class Spy:
    """Records the actions ``rules.can`` granted during a request (``require`` and the object
    rules ask it)."""

    def __init__(self):
        self.granted = []
        self.original = rules.can

    def __call__(self, user, action):
        allowed = self.original(user, action)
        if allowed:
            self.granted.append(action)
        return allowed


def _body(response) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    # Closing a response sends request_finished, whose close_old_connections would close the
    # connection inside the module's transaction on PostgreSQL (the test client detaches it only
    # during the request itself).
    signals.request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        signals.request_finished.connect(close_old_connections)
    return content.decode("utf-8", errors="replace")


def addresses(world):
    """Every ``(route, name, callback, url, sensitivity or None)`` to walk: an incident-scoped
    pattern once per sensitivity, any other once."""
    walked, seen_routes = [], []
    for route, name, callback, pieces in patterns():
        names = params_of(pieces)
        per = {}
        for s in SENSITIVITIES:
            filled = {p: fill(world, route, name, p, s) for p in names}
            per[s] = ({p: v for p, (v, _scoped) in filled.items()}, any(sc for _v, sc in filled.values()))
        scoped = per[SENSITIVITIES[0]][1]
        for s in SENSITIVITIES if scoped else [None]:
            url = build(pieces, per[s or SENSITIVITIES[0]][0])
            match = resolve(url)
            # A pattern shadowed by an earlier one (the admin's own login page) is unreachable: its
            # address is walked as the earlier pattern's.
            assert match.route in (route.replace("^", ""), *seen_routes), (route, url, match.route)
            walked.append((route, name, callback, url, s))
        seen_routes.append(route.replace("^", ""))
    return walked


def record_markers(world) -> list[str]:
    """Strings that appear only where a record of the world is shown."""
    return [*TITLE.values(), world["source"].title, world["chair"].display_name, world["twin"].display_name,
            world["victim"].display_name, world["organization"].name, world["election"].name, "Walk proposal",
            "Walk case", "Walk statement", world["place"].name_latin]


def _api_records(route: str, body: str) -> bool:
    """Whether an API answer holds records: a non-empty page or list."""
    if not route.startswith("api/"):
        return False
    try:
        data = json.loads(body)
    except ValueError:
        return False
    if isinstance(data, dict) and "results" in data:
        return bool(data["results"])
    return isinstance(data, list) and bool(data)


def unshared_markers(world) -> list[str]:
    """Records linked to no incident: rule 13 shows a counsel account none of them."""
    return [world["source"].title, world["chair"].display_name, world["twin"].display_name, "Walk proposal",
            "Walk lonely election"]


STATS = {"requests": 0, "patterns": 0}


@pytest.mark.parametrize("principal", PRINCIPALS)
def test_walk_every_address_as(principal, world, db, monkeypatch):
    spy = Spy()
    monkeypatch.setattr(rules, "can", spy)
    client = world["clients"][principal]
    user = world["users"].get(principal)
    visible = set(visible_incidents(user).values_list("pk", flat=True)) if user else set()
    hidden_titles = [i.title for i in world["incidents"].values() if i.pk not in visible]
    granting_role = any(spy.original(user, a) for a in rules.ACTIONS)
    login_paths = {"/accounts/login/", "/admin/login/"}
    markers = record_markers(world)
    failures, scoped_checks = [], {True: 0, False: 0}
    walk = addresses(world)
    STATS["patterns"] = len({w[0] for w in walk})
    started = time.perf_counter()
    for route, name, callback, url, sensitivity in walk:
        spy.granted.clear()
        response = client.get(url)
        STATS["requests"] += 1
        status = response.status_code
        body = _body(response)
        where = f"{principal} GET {route} ({name or 'unnamed'}) [{sensitivity or '-'}] -> {status}"
        public = is_public(route, name, callback)
        if status >= 500:
            failures.append(f"{where}: server error")
            continue
        for title in hidden_titles:
            if title in body:
                failures.append(f"{where}: shows the title of an incident it may not see ({title!r})")
        if principal == Role.COUNSEL:
            for marker in unshared_markers(world):
                if marker in body:
                    failures.append(f"{where}: shows a record outside the cases shared with counsel ({marker!r})")
        if REAL_NAME in body:
            failures.append(f"{where}: shows a protected person's real name on a page load")
        if public:
            continue
        signed_in = user is not None and user.is_active
        if not signed_in:
            if route.startswith("api/"):
                if status not in (401, 405):
                    failures.append(f"{where}: expected 401 for a caller without credentials")
            elif status != 405 and not (status in (301, 302) and urlparse(response["Location"]).path in login_paths):
                failures.append(f"{where}: expected a redirect to the sign-in page")
            continue
        if sensitivity is not None and not name.startswith("admin:") and status != 405:
            sees = world["incidents"][sensitivity].pk in visible
            scoped_checks[sees] += 1
            if sees and status == 404:
                failures.append(f"{where}: 404 for an incident the user may see")
            if not sees and status != 404:
                failures.append(f"{where}: expected 404 for an incident the user may not see")
        if name.startswith("admin:") and status == 200 and not spy.original(user, "user.manage"):
            # Django's admin is the administrators' (User.save keeps is_staff to the admin role).
            failures.append(f"{where}: the admin site answers a role that may not manage users")
        if status == 200 and not spy.granted and not name.startswith("admin:"):
            # Lists answer an empty page to whoever may not read their kind (deny by default):
            # an answer no permission check allowed must hold no record at all.
            shown = [m for m in markers if m in body] + (["a record"] if _api_records(route, body) else [])
            if shown:
                failures.append(f"{where}: 200 without any permission check passing, showing {shown}"
                                + ("" if granting_role else " to an account whose role grants no action"))
    elapsed = time.perf_counter() - started
    print(f"\nwalk as {principal}: {len(walk)} requests on {STATS['patterns']} patterns in {elapsed:.1f} s; "
          f"incident-scoped answers checked: {scoped_checks[True]} visible, {scoped_checks[False]} invisible (404)")
    assert failures == [], f"{len(failures)} failures:\n" + "\n".join(failures)
