"""Person and organization pages. A protected person is shown by pseudonym unless the viewer may see identities."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from svidok.accounts import rules
from svidok.audit.display import readable
from svidok.audit.services import history
from svidok.common.views import add_service_errors, paginate
from svidok.incidents.models import Involvement
from svidok.incidents.queries import visible_incidents
from svidok.people import services
from svidok.people.forms import NameVariantForm, OrganizationForm, PersonForm
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
        "can_edit": rules.can(request.user, "person.edit"),
        "history": readable(history(person)) if rules.can(request.user, "incident.history") else None,
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
        "can_edit": rules.can(request.user, "organization.edit"),
        "history": readable(history(organization)) if rules.can(request.user, "incident.history") else None,
    }
    return render(request, "people/organization_detail.html", context)


# --- persons: create and edit -----------------------------------------------------------------------


def _person_form_page(request, *, person, form, name_form=None, status=200):
    return render(request, "people/person_form.html", {"person": person, "form": form, "name_form": name_form}, status=status)


@login_required
def person_create(request):
    _require(request.user, "person.edit")
    identity = rules.can(request.user, "person.identity")
    form = PersonForm(request.POST or None, identity=identity)
    if request.method == "POST" and form.is_valid():
        data = form.identity_fields()
        name = data.pop("full_name")
        try:
            person = services.record_person(actor=request.user, name=name, identity=data, **form.person_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Person %(name)s recorded.") % {"name": person.display_name})
            return redirect("people:person_detail", uuid=person.uuid)
    return _person_form_page(request, person=None, form=form, status=400 if request.method == "POST" else 200)


def _person_edit_form(request, person, data=None):
    identity = rules.can(request.user, "person.identity")
    initial = {"protected": person.protected, "gender": person.gender, "description": person.description}
    if identity:
        record = PersonIdentity.objects.filter(person=person).first()
        if record is not None:
            initial |= {"name": record.full_name} | {k: getattr(record, k) for k in PersonForm.IDENTITY}
    return PersonForm(data, initial=initial, identity=identity, editing=True, protected_locked=person.protected and not identity)


@login_required
def person_edit(request, uuid):
    person = get_person_for_user(request.user, str(uuid))
    _require(request.user, "person.edit")
    form = _person_edit_form(request, person, request.POST if request.method == "POST" else None)
    name_form = None if person.protected else NameVariantForm(prefix="variant")
    if request.method == "POST":
        if form.is_valid():
            try:
                services.update_person(actor=request.user, person=person, fields=form.person_fields(), identity=form.identity_fields())
            except ValidationError as exc:
                add_service_errors(form, exc, {"full_name": "name"})
            else:
                messages.success(request, _("Person %(name)s saved.") % {"name": person.display_name})
                return redirect("people:person_detail", uuid=person.uuid)
        return _person_form_page(request, person=person, form=form, name_form=name_form, status=400)
    return _person_form_page(request, person=person, form=form, name_form=name_form)


@login_required
@require_POST
def person_add_name(request, uuid):
    person = get_person_for_user(request.user, str(uuid))
    _require(request.user, "person.edit")
    name_form = NameVariantForm(request.POST, prefix="variant")
    if name_form.is_valid():
        try:
            services.add_name_variant(actor=request.user, person=person, **name_form.variant())
        except ValidationError as exc:
            add_service_errors(name_form, exc)
        else:
            messages.success(request, _("Name variant added."))
            return redirect("people:person_edit", uuid=person.uuid)
    return _person_form_page(request, person=person, form=_person_edit_form(request, person), name_form=name_form, status=400)


# --- organizations: create and edit ------------------------------------------------------------------


def _organization_form_page(request, *, organization, form, name_form=None, status=200):
    return render(request, "people/organization_form.html",
                  {"organization": organization, "form": form, "name_form": name_form}, status=status)


@login_required
def organization_create(request):
    _require(request.user, "organization.edit")
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.record_organization(actor=request.user, names=form.names(), **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc, {"names": "other_names"})
        else:
            messages.success(request, _("Organization %(name)s recorded.") % {"name": organization.name})
            return redirect("people:organization_detail", uuid=organization.uuid)
    return _organization_form_page(request, organization=None, form=form, status=400 if request.method == "POST" else 200)


@login_required
def organization_edit(request, uuid):
    organization = get_organization_for_user(request.user, str(uuid))
    _require(request.user, "organization.edit")
    if request.method != "POST":
        form = OrganizationForm(initial=OrganizationForm.initial_for(organization), organization=organization)
        return _organization_form_page(request, organization=organization, form=form, name_form=NameVariantForm(prefix="variant"))
    form = OrganizationForm(request.POST, organization=organization)
    if form.is_valid():
        try:
            services.update_organization(actor=request.user, organization=organization, fields=form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Organization %(name)s saved.") % {"name": form.cleaned_data["name"]})
            return redirect("people:organization_detail", uuid=organization.uuid)
    return _organization_form_page(request, organization=organization, form=form, name_form=NameVariantForm(prefix="variant"), status=400)


@login_required
@require_POST
def organization_add_name(request, uuid):
    organization = get_organization_for_user(request.user, str(uuid))
    _require(request.user, "organization.edit")
    name_form = NameVariantForm(request.POST, prefix="variant")
    if name_form.is_valid():
        try:
            services.add_name_variant(actor=request.user, organization=organization, **name_form.variant())
        except ValidationError as exc:
            add_service_errors(name_form, exc)
        else:
            messages.success(request, _("Name variant added."))
            return redirect("people:organization_edit", uuid=organization.uuid)
    form = OrganizationForm(initial=OrganizationForm.initial_for(organization), organization=organization)
    return _organization_form_page(request, organization=organization, form=form, name_form=name_form, status=400)
