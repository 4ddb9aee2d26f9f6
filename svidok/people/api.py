"""REST API for persons and organizations: reads through ``people.queries``, writes through ``people.services``."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.decorators import action
from rest_framework.response import Response

from svidok.accounts import rules
from svidok.common.api import UUID_RE, RecordViewSet, validated
from svidok.people import consent, services
from svidok.people.models import Organization, Person
from svidok.people.queries import visible_organizations, visible_persons
from svidok.people.serializers import (
    ConsentSerializer,
    ConsentWithdrawalSerializer,
    ConsentWriteSerializer,
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


    # --- consent (people.consent): never changed or deleted; a withdrawal is recorded on it -------------

    def _may_record_consent(self, request) -> None:
        # Before reading the body: a caller who may not record gets 403 whatever it sent.
        if not rules.can(request.user, "person.consent"):
            raise exceptions.PermissionDenied()

    @extend_schema(methods=["GET"], request=None, responses=ConsentSerializer(many=True),
                   description="The person's consents, newest first. The sealed notes are null unless the caller "
                               "may see identities.")
    @extend_schema(methods=["POST"], request=ConsentWriteSerializer, responses={201: ConsentSerializer},
                   description="Record a protected person's consent for one purpose (litigation, a named partner, "
                               "publication). A consent is never changed: a new agreement is a new consent.")
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def consents(self, request, uuid=None):
        person = self.get_object()
        context = self.get_serializer_context()
        if request.method == "GET":
            return Response(ConsentSerializer(consent.consents_shown(actor=request.user, person=person), many=True,
                                              context=context).data)
        self._may_record_consent(request)
        data = validated(ConsentWriteSerializer, request)
        record = consent.record_consent(actor=request.user, person=person, **data)
        return Response(ConsentSerializer(record, context=context).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ConsentWithdrawalSerializer, responses=ConsentSerializer,
                   parameters=[OpenApiParameter("consent_uuid", OpenApiTypes.UUID, OpenApiParameter.PATH)],
                   description="Record that the person withdrew this consent, from the date given. Recorded once; "
                               "a person who agrees again gives a new consent.")
    @action(detail=True, methods=["post"], url_path=rf"consents/(?P<consent_uuid>{UUID_RE})/withdraw")
    def withdraw_consent(self, request, uuid=None, consent_uuid=None):
        person = self.get_object()
        record = consent.get_consent(person=person, public_id=consent_uuid)
        if record is None:
            raise Http404("No such consent")
        self._may_record_consent(request)
        data = validated(ConsentWithdrawalSerializer, request)
        try:
            record = consent.withdraw_consent(actor=request.user, consent=record, **data)
        except DjangoValidationError as exc:
            # The service names the withdrawal's own fields; the request calls them "method" and "note".
            names = {"withdrawal_method": "method", "withdrawal_note": "note"}
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            raise exceptions.ValidationError({names.get(k, k): v for k, v in errors.items()}) from None
        return Response(ConsentSerializer(record, context=self.get_serializer_context()).data)


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
