"""Person and organization pages. A protected person is shown by pseudonym unless the viewer may see identities."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from svidok.accounts import rules
from svidok.audit.services import history
from svidok.common.views import paginate
from svidok.incidents.models import Involvement
from svidok.incidents.queries import visible_incidents
from svidok.people.models import PersonIdentity
from svidok.people.queries import (
    can_see_identity,
    get_organization_for_user,
    get_person_for_user,
    visible_organizations,
    visible_persons,
)
from svidok.search.api import matching_ids


def _require(user, action: str) -> None:
    if not rules.can(user, action):
        raise PermissionDenied(action)


def _involvements(user, **party):
    return (
        Involvement.objects.filter(incident__in=visible_incidents(user), **party)
        .select_related("incident__type", "role", "perpetrator_type")
        .order_by("-incident__date_start", "id")
    )


@login_required
def person_list(request):
    _require(request.user, "person.view")
    q = (request.GET.get("q") or "").strip()
    queryset = visible_persons(request.user)
    if q:
        queryset = queryset.filter(pk__in=matching_ids("person", q))
    return render(request, "people/person_list.html", {"page": paginate(request, queryset.order_by("display_name")), "q": q})


@login_required
def person_detail(request, uuid):
    person = get_person_for_user(request.user, str(uuid))
    identity = None
    if can_see_identity(request.user, person):
        identity = PersonIdentity.objects.filter(person=person).first()
    context = {
        "person": person,
        "identity": identity,
        "names": person.names.all() if not person.protected else (),
        "occupancies": person.occupancies.select_related("position__organization"),
        "involvements": _involvements(request.user, person=person),
        "history": history(person) if rules.can(request.user, "incident.history") else None,
    }
    return render(request, "people/person_detail.html", context)


@login_required
def organization_list(request):
    _require(request.user, "organization.view")
    q = (request.GET.get("q") or "").strip()
    queryset = visible_organizations(request.user).select_related("kind")
    if q:
        queryset = queryset.filter(pk__in=matching_ids("organization", q))
    return render(request, "people/organization_list.html", {"page": paginate(request, queryset.order_by("name")), "q": q})


@login_required
def organization_detail(request, uuid):
    organization = get_organization_for_user(request.user, str(uuid))
    organization = type(organization).objects.select_related("kind", "parent", "place").get(pk=organization.pk)
    context = {
        "organization": organization,
        "names": organization.names.all(),
        "children": organization.children.order_by("name"),
        "positions": organization.positions.prefetch_related("occupancies__person"),
        "involvements": _involvements(request.user, organization=organization),
        "interventions": organization.interventions.select_related("kind"),
        "history": history(organization) if rules.can(request.user, "incident.history") else None,
    }
    return render(request, "people/organization_detail.html", context)
