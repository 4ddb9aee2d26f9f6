"""docs/permissions.md is the contract: every cell of its tables is checked against the code."""

import itertools
import re

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from svidok.accounts import rules
from svidok.accounts.models import Role, User
from svidok.incidents.models import Case, CaseShare, Incident, IncidentAccess
from svidok.incidents.queries import get_incident_for_user, visible_incidents
from svidok.incidents.services import mark_duplicate, reject_incident, submit_incident, verify_incident
from tests import factories

DOC = settings.BASE_DIR / "docs" / "permissions.md"
ROLES = ["admin", "coordinator", "documenter", "analyst", "viewer", "counsel"]
MARKS = {"✓": True, "—": False}


def make_user(role: str, username: str | None = None) -> User:
    # No password: these users never sign in, and hashing one (Argon2) would dominate the run time.
    user = User(username=username or role, role=role)
    user.set_unusable_password()
    user.save()
    return user


def parse_tables(text: str) -> dict[str, dict[str, dict[str, bool]]]:
    """``{section heading: {row key: {role: allowed}}}`` for every table under a ``##`` heading."""
    tables, heading = {}, None
    for line in text.splitlines():
        if line.startswith("## "):
            heading, header = line[3:].strip(), None
        elif line.startswith("|") and heading:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if set("".join(cells)) <= set("-: "):
                continue
            if header is None:
                header = cells
                tables[heading] = {}
                continue
            key = re.fullmatch(r"`([^`]+)`", cells[0]).group(1)
            tables[heading][key] = {role: MARKS[cells[header.index(role)]] for role in ROLES}
    return tables


@pytest.fixture(scope="module")
def doc():
    tables = parse_tables(DOC.read_text(encoding="utf-8"))
    return tables["Actions"], tables["Sensitivities each role sees"], tables["Statuses each role sees"]


def test_doc_tables_have_the_roles_of_the_code_as_columns():
    header_lines = [line for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith("| action") or line.startswith("| sensitivity") or line.startswith("| status")]

    assert [[c.strip() for c in line.strip("|").split("|")][1:1 + len(ROLES)] for line in header_lines] == [ROLES] * 3
    assert sorted(ROLES) == sorted(Role.values)


def test_doc_lists_exactly_the_actions_of_the_code(doc):
    actions, _sensitivities, _statuses = doc

    assert sorted(actions) == sorted(rules.ACTIONS)


@pytest.mark.parametrize("action", sorted(rules.ACTIONS))
@pytest.mark.django_db
def test_action_cell_matches_rules_can(doc, action):
    actions, _sensitivities, _statuses = doc
    users = {role: make_user(role) for role in ROLES}

    assert {role: rules.can(users[role], action) for role in ROLES} == actions[action]


def test_sensitivity_table_matches_rules(doc):
    _actions, sensitivities, _statuses = doc

    assert sorted(sensitivities) == sorted(Incident.Sensitivity.values)
    for role in ROLES:
        assert {s for s, row in sensitivities.items() if row[role]} == rules.SENSITIVITIES[role]


def test_status_table_matches_rules(doc):
    _actions, _sensitivities, statuses = doc

    assert sorted(statuses) == sorted(Incident.Status.values)
    for role in ROLES:
        assert {s for s, row in statuses.items() if row[role]} == rules.STATUSES[role]


@pytest.mark.django_db
def test_stranger_and_inactive_user_may_do_nothing():
    inactive = make_user("admin", "gone")
    inactive.is_active = False
    inactive.save()

    for user in (AnonymousUser(), None, inactive):
        assert [a for a in rules.ACTIONS if rules.can(user, a)] == []
        assert visible_incidents(user).count() == 0


def _incident_in(author, reviewer, *, sensitivity: str, status: str, original=None) -> Incident:
    incident = factories.incident(author, title=f"{sensitivity} {status}", sensitivity=sensitivity)
    if status == "draft":
        return incident
    submit_incident(actor=author, incident=incident)
    if status == "verified":
        verify_incident(actor=reviewer, incident=incident)
    elif status == "rejected":
        reject_incident(actor=reviewer, incident=incident, reason="not enough detail")
    elif status == "duplicate":
        mark_duplicate(actor=reviewer, incident=incident, original=original)
    incident.refresh_from_db()
    assert incident.status == status
    return incident


@pytest.fixture
def world(db):
    """One incident by an outside author for every sensitivity × status, plus each editor's own; a
    case holding all but one of them, shared with the counsel account; and users named on two
    restricted incidents."""
    users = {role: make_user(role) for role in ROLES}
    outsider = make_user("documenter", "outsider")
    lead = make_user("coordinator", "lead")
    original = factories.incident(lead, title="original")
    others = [
        _incident_in(outsider, lead, sensitivity=s, status=st, original=original)
        for s, st in itertools.product(Incident.Sensitivity.values, Incident.Status.values)
    ]
    # The documenter's own: a restricted draft and a restricted incident that was later verified.
    own_draft = factories.incident(users["documenter"], title="own restricted draft", sensitivity="restricted")
    own_verified = _incident_in(users["documenter"], lead, sensitivity="restricted", status="verified")
    by_title = {i.title: i for i in others}
    case = Case.objects.create(name="shared with counsel")
    case.incidents.add(*[i for i in others if i.title != "internal verified"])
    CaseShare.objects.create(case=case, user=users["counsel"])
    Case.objects.create(name="shared with nobody").incidents.add(by_title["internal verified"])
    named = {by_title["restricted verified"]: ("analyst", "viewer", "counsel", "documenter"),
             by_title["restricted submitted"]: ("viewer", "counsel")}
    for incident, roles in named.items():
        for role in roles:
            IncidentAccess.objects.create(incident=incident, user=users[role])
    return users, outsider, lead, original, others, own_draft, own_verified


@pytest.mark.parametrize("role", ROLES)
def test_visible_incidents_follow_the_doc_tables_and_author_exception(doc, world, role):
    _actions, sensitivities, statuses = doc
    users, _outsider, _lead, original, others, own_draft, own_verified = world
    user = users[role]
    everything = [original, *others, own_draft, own_verified]

    # The expectation comes from the document alone: the tables, rule 12 (users named on a
    # restricted incident), rule 13 (counsel only within shared cases), rule 2 (author exception).
    def seen(i):
        by_tables = (sensitivities[i.sensitivity][role] or i.named_access.filter(user=user).exists()) and statuses[i.status][role]
        if role == "counsel":
            by_tables = by_tables and i.cases.filter(shares__user=user).exists()
        return by_tables or (_may_create(doc, role) and i.created_by_id == user.pk)

    expected = {i.reference for i in everything if seen(i)}

    assert set(visible_incidents(user).values_list("reference", flat=True)) == expected
    for incident in everything:
        if incident.reference in expected:
            assert get_incident_for_user(user, incident.reference) == incident
        else:
            with pytest.raises(Http404):
                get_incident_for_user(user, incident.reference)


def _may_create(doc, role):
    actions, _sensitivities, _statuses = doc
    return actions["incident.create"][role]


def test_documenter_sees_own_restricted_incidents_and_those_naming_them_but_no_other(world):
    users, _outsider, _lead, _original, _others, own_draft, own_verified = world

    seen = visible_incidents(users["documenter"]).filter(sensitivity="restricted")
    named = [i for i in _others if i.title == "restricted verified"]  # rule 12: named on it

    assert sorted(seen.values_list("reference", flat=True)) == sorted([own_draft.reference, own_verified.reference, named[0].reference])


@pytest.mark.parametrize("role", ROLES)
def test_edit_rule_follows_doc_rule_3(doc, world, role):
    actions, _sensitivities, _statuses = doc
    users, outsider, _lead, _original, others, own_draft, own_verified = world
    user = users[role]

    for incident in [*others, own_draft, own_verified]:
        if not actions["incident.edit"][role]:
            expected = False
        elif role in ("admin", "coordinator"):
            expected = True
        else:
            expected = incident.created_by_id == user.pk and incident.status in ("draft", "submitted")
        assert rules.can_edit_incident(user, incident) is expected, (role, incident.title, incident.created_by_id == user.pk)
    assert rules.can_edit_incident(outsider, own_draft) is False


@pytest.mark.parametrize("role", ROLES)
def test_submit_and_review_rules_follow_doc_rules_4_and_5(doc, world, role):
    actions, _sensitivities, _statuses = doc
    users, _outsider, _lead, _original, others, own_draft, _own_verified = world
    user = users[role]

    for incident in [*others, own_draft]:
        assert rules.can_review_incident(user, incident) is (actions["incident.review"][role] and incident.status == "submitted")
        assert rules.can_submit_incident(user, incident) is (incident.status == "draft" and rules.can_edit_incident(user, incident))
