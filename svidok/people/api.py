"""REST API for persons and organizations: reads through ``people.queries``, writes through ``people.services``."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from svidok.common.api import RecordViewSet, validated
from svidok.people import services
from svidok.people.models import Organization, Person
from svidok.people.queries import visible_organizations, visible_persons
from svidok.people.serializers import (
    IdentitySerializer,
    OrganizationSerializer,
    PersonSerializer,
    PersonUpdateSerializer,
    PersonWriteSerializer,
    RevealSerializer,
)
from svidok.search.api import matching_ids

Q_PARAMETER = OpenApiParameter("q", str, description="name in any spelling")


def _matching(queryset, request, kind: str):
    q = (request.query_params.get("q") or "").strip()
    return queryset.filter(pk__in=matching_ids(kind, q)) if q else queryset


class PersonViewSet(RecordViewSet):
    """Persons. Protected persons appear under their pseudonym; identity only for ``person.identity``."""

    serializer_class = PersonSerializer
    queryset = Person.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        queryset = visible_persons(self.request.user).select_related("identity").prefetch_related("names").order_by("display_name", "id")
        return _matching(queryset, self.request, "person")

    @extend_schema(parameters=[Q_PARAMETER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=PersonWriteSerializer, responses={201: PersonSerializer})
    def create(self, request):
        data = validated(PersonWriteSerializer, request)
        person = services.record_person(actor=request.user, identity=dict(data.pop("identity", {}) or {}),
                                        names=[dict(n) for n in data.pop("names", [])], **data)
        return self.read_back(person, status.HTTP_201_CREATED)

    @extend_schema(request=PersonUpdateSerializer, responses=PersonSerializer)
    def partial_update(self, request, uuid=None):
        person = self.get_object()
        data = validated(PersonUpdateSerializer, request, partial=True)
        identity = dict(data.pop("identity", {}) or {})
        person = services.update_person(actor=request.user, person=person, fields=data, identity=identity)
        return self.read_back(person)

    @extend_schema(request=RevealSerializer, responses={200: IdentitySerializer},
                   description="A protected person's identity, for the reason given: recorded as a reveal "
                               "(who, when, why) and shown on the person's page to those who may see identities.")
    @action(detail=True, methods=["post"])
    def reveal(self, request, uuid=None):
        person = self.get_object()
        data = validated(RevealSerializer, request)
        identity = services.reveal_identity(actor=request.user, person=person, reason=data["reason"])
        return Response(IdentitySerializer(identity).data if identity else {}, status=status.HTTP_200_OK)


class OrganizationViewSet(RecordViewSet):
    serializer_class = OrganizationSerializer
    queryset = Organization.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        queryset = visible_organizations(self.request.user).select_related("kind", "parent", "place").prefetch_related("names")
        return _matching(queryset, self.request, "organization").order_by("name", "id")

    @extend_schema(parameters=[Q_PARAMETER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def create(self, request):
        data = validated(OrganizationSerializer, request)
        organization = services.record_organization(actor=request.user, names=[dict(n) for n in data.pop("names", [])], **data)
        return self.read_back(organization, status.HTTP_201_CREATED)

    def partial_update(self, request, uuid=None):
        organization = self.get_object()
        data = validated(OrganizationSerializer, request, partial=True)
        names = [dict(n) for n in data.pop("names", [])]
        organization = services.update_organization(actor=request.user, organization=organization, fields=data, names=names)
        return self.read_back(organization)
