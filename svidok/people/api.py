"""REST API for persons and organizations: reads through ``people.queries``, writes through ``people.services``."""

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from svidok.incidents.api import UUID_RE, Pagination
from svidok.people import services
from svidok.people.models import Organization, Person
from svidok.people.queries import visible_organizations, visible_persons
from svidok.people.serializers import (
    OrganizationSerializer,
    PersonSerializer,
    PersonUpdateSerializer,
    PersonWriteSerializer,
)
from svidok.search.api import matching_ids

Q_PARAMETER = OpenApiParameter("q", str, description="name in any spelling")


class PersonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Persons. Protected persons appear under their pseudonym; identity only for ``person.identity``."""

    serializer_class = PersonSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_RE
    pagination_class = Pagination
    queryset = Person.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        queryset = visible_persons(self.request.user).select_related("identity").prefetch_related("names").order_by("display_name", "id")
        q = (self.request.query_params.get("q") or "").strip()
        if q:
            queryset = queryset.filter(pk__in=matching_ids("person", q))
        return queryset

    @extend_schema(parameters=[Q_PARAMETER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=PersonWriteSerializer, responses={201: PersonSerializer})
    def create(self, request):
        serializer = PersonWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        person = services.record_person(actor=request.user, identity=dict(data.pop("identity", {}) or {}),
                                        names=[dict(n) for n in data.pop("names", [])], **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=person.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PersonUpdateSerializer, responses=PersonSerializer)
    def partial_update(self, request, uuid=None):
        person = self.get_object()
        serializer = PersonUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        identity = dict(data.pop("identity", {}) or {})
        person = services.update_person(actor=request.user, person=person, fields=data, identity=identity)
        return Response(self.get_serializer(self.get_queryset().get(pk=person.pk)).data)


class OrganizationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = OrganizationSerializer
    lookup_field = "uuid"
    lookup_value_regex = UUID_RE
    pagination_class = Pagination
    queryset = Organization.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        queryset = visible_organizations(self.request.user).select_related("kind", "parent", "place").prefetch_related("names")
        q = (self.request.query_params.get("q") or "").strip()
        if q:
            queryset = queryset.filter(pk__in=matching_ids("organization", q))
        return queryset.order_by("name", "id")

    @extend_schema(parameters=[Q_PARAMETER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def create(self, request):
        serializer = OrganizationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        organization = services.record_organization(actor=request.user, names=[dict(n) for n in data.pop("names", [])], **data)
        return Response(self.get_serializer(self.get_queryset().get(pk=organization.pk)).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, uuid=None):
        organization = self.get_object()
        serializer = OrganizationSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        names = data.pop("names", [])
        with transaction.atomic():
            organization = services.update_organization(actor=request.user, organization=organization, fields=data)
            for name in names:
                services.add_name_variant(actor=request.user, organization=organization, **dict(name))
        return Response(self.get_serializer(self.get_queryset().get(pk=organization.pk)).data)
