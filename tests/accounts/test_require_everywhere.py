"""Every public use case refuses an actor without the permission, before it reads or writes anything.

The services are found by walking the modules, not listed by hand: a new use case with an
``actor`` is tested the day it is written. Its other arguments are stand-ins that fail on any
real use, so a function that did work before asking ``accounts.rules.require`` would not raise
``PermissionDenied`` and the test would fail.
"""

import importlib
import inspect

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from svidok.accounts.models import Role, User
from svidok.audit.models import AuditEntry

USE_CASE_MODULES = (
    "svidok.accounts.services",
    "svidok.accounts.audit_log",
    "svidok.incidents.services",
    "svidok.incidents.importing",
    "svidok.incidents.exporting",
    "svidok.incidents.gazetteer",
    "svidok.people.services",
    "svidok.people.merging",
    "svidok.people.duplicates",
    "svidok.sanctions.services",
    "svidok.sanctions.lists",
    "svidok.sanctions.matching",
    "svidok.sanctions.dossier",
    "svidok.forensics.services",
    "svidok.evidence.capture",
    "svidok.evidence.archives",
    "svidok.evidence.services",
    "svidok.backup.services",
    "svidok.ingest.services",
    "svidok.ingest.data_imports",
)


class StandIn:
    """An argument that is nothing: every attribute, call or item is another stand-in, and it
    is false, empty and equal to nothing."""

    def __getattr__(self, name):
        return StandIn()

    def __call__(self, *args, **kwargs):
        return StandIn()

    def __getitem__(self, key):
        return StandIn()

    def __iter__(self):
        return iter(())

    def __bool__(self):
        return False

    def __len__(self):
        return 0


def use_cases():
    found = []
    for name in USE_CASE_MODULES:
        module = importlib.import_module(name)
        for attr, function in vars(module).items():
            if attr.startswith("_") or not inspect.isfunction(function) or function.__module__ != name:
                continue
            parameters = inspect.signature(function).parameters
            if "actor" in parameters or "user" in parameters and name.endswith("dossier"):
                found.append(pytest.param(function, id=f"{name.removeprefix('svidok.')}.{attr}"))
    return found


def call_as(function, actor):
    arguments = {}
    for parameter in inspect.signature(function).parameters.values():
        if parameter.name == "actor" or parameter.name == "user" and function.__module__.endswith("dossier"):
            arguments[parameter.name] = actor
        elif parameter.default is inspect.Parameter.empty and parameter.kind not in (
                inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            arguments[parameter.name] = StandIn()
    positional = [arguments.pop(p.name) for p in inspect.signature(function).parameters.values()
                  if p.kind is inspect.Parameter.POSITIONAL_ONLY and p.name in arguments]
    result = function(*positional, **arguments)
    if inspect.isgenerator(result):
        next(result)


def test_use_cases_are_found():
    names = {case.id for case in use_cases()}
    assert {"incidents.services.record_incident", "people.merging.judge_pair", "forensics.services.import_results",
            "accounts.services.create_user", "sanctions.services.add_member", "incidents.exporting.export_incidents"} <= names


# Use cases open to every role (reads, and one's own account): the viewer does not apply to them.
VIEWER_MAY = {"match_for", "match_many", "record_view", "tokens_for", "start_totp_enrollment"}
CASES = [pytest.param(who, *case.values, id=f"{who}-{case.id}")
         for case in use_cases() for who in ("nobody", "anonymous", "inactive admin", "viewer")
         if not (who == "viewer" and case.values[0].__name__ in VIEWER_MAY)]


@pytest.mark.parametrize(("who", "function"), CASES)
def test_use_case_refuses_an_actor_without_the_permission(who, function, db):
    actor = {
        "nobody": lambda: None,
        "anonymous": AnonymousUser,
        "inactive admin": lambda: User.objects.create(username="former", role=Role.ADMIN, is_active=False),
        "viewer": lambda: User.objects.create(username="reader", role=Role.VIEWER),
    }[who]()
    entries = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        call_as(function, actor)
    assert AuditEntry.objects.count() == entries

