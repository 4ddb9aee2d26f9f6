"""REST API for incidents, involvements, sources, interventions, places, elections, vocabularies, search.

Thin: parse with a serializer, read through the permission-aware queries (invisible is 404), write
through the services (which check permissions, validate and audit). Public ids only: incident
references, UUIDs and KATOTTG codes.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from svidok.accounts import rules
from svidok.common.api import UUID_RE, Pagination, RecordViewSet, query_param, validated
from svidok.common.ratelimits import limited_method
from svidok.incidents import services
from svidok.incidents.models import (
    Election,
    ElectionFigure,
    Incident,
    IncidentSource,
    Intervention,
    Involvement,
    Place,
    Source,
)
from svidok.incidents.queries import FILTERS, SORTS, filter_incidents, sort_incidents, visible_incidents
from svidok.incidents.serializers import (
    DuplicateSerializer,
    ElectionSerializer,
    IncidentCreateSerializer,
    IncidentDetailSerializer,
    IncidentListSerializer,
    IncidentSourceSerializer,
    IncidentSourceWriteSerializer,
    IncidentUpdateSerializer,
    InterventionSerializer,
    InvolvementSerializer,
    InvolvementWriteSerializer,
    PlaceSerializer,
    ReasonSerializer,
    SourceSerializer,
    VocabularyExportSerializer,
    VocabularySerializer,
)
from svidok.people.serializers import OrganizationSerializer, PersonSerializer
from svidok.search import api as search_api
from svidok.search.api import matching_ids

# A year of fewer than four digits: records saved before dates were held to 1900 and later
# (docs/inputs.md) must stay readable so that they can be fixed.
REFERENCE_RE = r"SV-[0-9]{1,4}-[0-9]{6}"


def _allowed_or_none(user, action_name: str, queryset):
    return queryset if rules.can(user, action_name) else queryset.none()


def _error_detail(exc: DjangoValidationError) -> dict:
    return exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}


def row_errors(exc: services.RowErrors) -> serializers.ValidationError:
    """A use case's errors as the API shows them: the incident's field errors at the top, and each
    nested item's under its list and index (``{"involvements": {"1": {"name": [...]}}}``)."""
    body = _error_detail(exc.incident_error) if exc.incident_error is not None else {}
    for (argument, index), error in exc.rows.items():
        body.setdefault(argument, {})[str(index)] = _error_detail(error)
    return serializers.ValidationError(body)


def involvement_row(item: dict) -> dict:
    """A validated involvement (``InvolvementWriteSerializer``) as the services take it."""
    if item.get("person_name"):
        # ``protected`` left out (None) follows the role: victims and witnesses are protected.
        party = {"new_person": {"name": item["person_name"], "protected": item.get("protected")}}
    elif item.get("organization_name"):
        party = {"new_organization": {"name": item["organization_name"]}}  # its kind: the perpetrator type
    else:
        party = {"person": item.get("person"), "organization": item.get("organization")}
    return party | {"role": item["role"], "perpetrator_type": item.get("perpetrator_type"), "details": item.get("details", "")}


def incident_queryset(user, *, detail: bool = False):
    queryset = visible_incidents(user).select_related("type", "place", "election", "duplicate_of").prefetch_related(
        "legal_tags", "tags"
    )
    if detail:
        queryset = queryset.prefetch_related(
            Prefetch("involvements", queryset=Involvement.objects.select_related(
                "role", "perpetrator_type", "person", "organization")),
            Prefetch("source_links", queryset=IncidentSource.objects.select_related("source").order_by("id")),
            "interventions",
        )
    return queryset


FILTER_PARAMETERS = [
    OpenApiParameter("type", str, description="a code of the incident_type vocabulary (/api/v1/vocabularies/incident_type/)",
                     extensions={"x-vocabulary": "incident_type"}),
    OpenApiParameter("status", str, enum=Incident.Status.values),
    OpenApiParameter("sensitivity", str, enum=Incident.Sensitivity.values),
    OpenApiParameter("date_from", OpenApiTypes.DATE),
    OpenApiParameter("date_to", OpenApiTypes.DATE),
    OpenApiParameter("place", str, description="KATOTTG code of the place, its hromada, raion or region"),
    OpenApiParameter("election", OpenApiTypes.UUID),
    OpenApiParameter("tag", str),
    OpenApiParameter("legal", str, description="a code of the legal_qualification vocabulary (/api/v1/vocabularies/legal_qualification/)",
                     extensions={"x-vocabulary": "legal_qualification"}),
    OpenApiParameter("q", str, description="text in any spelling"),
    OpenApiParameter("published", str, enum=["yes", "no"], description="on the public site now (published, verified, public) or not"),
    OpenApiParameter("ordering", str, enum=list(SORTS), description="default -date"),
    OpenApiParameter("sort", str, enum=list(SORTS), description="alias of ordering"),
]
assert {p.name for p in FILTER_PARAMETERS} >= set(FILTERS)


class IncidentViewSet(viewsets.GenericViewSet):
    """Incidents visible to the caller, with the same filters and sorting as the web list."""

    lookup_field = "reference"
    lookup_value_regex = REFERENCE_RE
    pagination_class = Pagination
    serializer_class = IncidentDetailSerializer
    queryset = Incident.objects.none()  # for the schema; requests use get_queryset()

    def get_queryset(self):
        return incident_queryset(self.request.user, detail=self.action != "list")

    def get_object(self):
        incident = self.get_queryset().filter(reference=self.kwargs["reference"]).first()
        if incident is None:
            raise Http404("No such incident")
        return incident

    def _detail(self, incident, status_code=status.HTTP_200_OK):
        fresh = incident_queryset(self.request.user, detail=True).filter(pk=incident.pk).first() or incident
        return Response(IncidentDetailSerializer(fresh, context=self.get_serializer_context()).data, status=status_code)

    @extend_schema(parameters=FILTER_PARAMETERS, responses=IncidentListSerializer(many=True))
    def list(self, request):
        queryset, _cleaned = filter_incidents(self.get_queryset(), request.query_params)
        queryset = sort_incidents(queryset, request.query_params.get("ordering") or request.query_params.get("sort"))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(IncidentListSerializer(page, many=True, context=self.get_serializer_context()).data)

    @extend_schema(responses=IncidentDetailSerializer)
    def retrieve(self, request, reference=None):
        return Response(IncidentDetailSerializer(self.get_object(), context=self.get_serializer_context()).data)

    @extend_schema(request=IncidentCreateSerializer, responses={201: IncidentDetailSerializer})
    def create(self, request):
        if not rules.can(request.user, "incident.create"):
            return Response({"detail": _("You may not record incidents.")}, status=status.HTTP_403_FORBIDDEN)
        data = validated(IncidentCreateSerializer, request)
        involvements, sources = data.pop("involvements", []), data.pop("sources", [])
        legal_tags, tags = data.pop("legal_tags", None), data.pop("tags", None)
        try:
            # All or nothing: a bad nested involvement leaves no incident, person or audit entry behind.
            incident = services.record_incident(
                actor=request.user, fields=data, legal_tags=legal_tags, tags=tags,
                involvements=[involvement_row(item) for item in involvements],
                sources=[{"source": link["source"], "note": link.get("note", "")} for link in sources],
            )
        except services.RowErrors as exc:
            raise row_errors(exc) from None
        return self._detail(incident, status.HTTP_201_CREATED)

    @extend_schema(request=IncidentUpdateSerializer, responses=IncidentDetailSerializer)
    def partial_update(self, request, reference=None):
        incident = self.get_object()
        data = validated(IncidentUpdateSerializer, request, partial=True)
        legal_tags, tags = data.pop("legal_tags", None), data.pop("tags", None)
        incident = services.update_incident(actor=request.user, incident=incident, fields=data, legal_tags=legal_tags, tags=tags)
        return self._detail(incident)

    @extend_schema(request=None, responses=IncidentDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, reference=None):
        return self._detail(services.submit_incident(actor=request.user, incident=self.get_object()))

    @extend_schema(request=ReasonSerializer, responses=IncidentDetailSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, reference=None):
        return self._decide(request, services.verify_incident)

    @extend_schema(request=ReasonSerializer, responses=IncidentDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, reference=None):
        return self._decide(request, services.reject_incident)

    def _decide(self, request, decision):
        """A review decision that takes only a reason: ``decision`` is the service (verify or reject)."""
        incident = self.get_object()
        reason = validated(ReasonSerializer, request)["reason"]
        return self._detail(decision(actor=request.user, incident=incident, reason=reason))

    @extend_schema(request=DuplicateSerializer, responses=IncidentDetailSerializer)
    @action(detail=True, methods=["post"], url_path="mark-duplicate")
    def mark_duplicate(self, request, reference=None):
        incident = self.get_object()
        data = validated(DuplicateSerializer, request)
        original = visible_incidents(request.user).filter(reference=data["duplicate_of"]).first()
        if original is None:
            raise serializers.ValidationError({"duplicate_of": [_("No such incident.")]})
        return self._detail(services.mark_duplicate(actor=request.user, incident=incident, original=original, reason=data["reason"]))

    @extend_schema(methods=["GET"], request=None, responses=InvolvementSerializer(many=True))
    @extend_schema(methods=["POST"], request=InvolvementWriteSerializer, responses={201: InvolvementSerializer})
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def involvements(self, request, reference=None):
        incident = self.get_object()
        if request.method == "GET":
            return Response(InvolvementSerializer(incident.involvements.all(), many=True).data)
        data = validated(InvolvementWriteSerializer, request)
        if not rules.can_edit_incident(request.user, incident):
            return Response({"detail": _("You may not change this incident.")}, status=status.HTTP_403_FORBIDDEN)
        involvement = services.add_involvement(actor=request.user, incident=incident, **involvement_row(data))
        return Response(InvolvementSerializer(involvement).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={204: None}, parameters=[OpenApiParameter("involvement_uuid", OpenApiTypes.UUID, OpenApiParameter.PATH)])
    @action(detail=True, methods=["delete"], url_path=rf"involvements/(?P<involvement_uuid>{UUID_RE})")
    def remove_involvement(self, request, reference=None, involvement_uuid=None):
        incident = self.get_object()
        try:
            involvement = incident.involvements.get(uuid=involvement_uuid)
        except (Involvement.DoesNotExist, DjangoValidationError):
            raise Http404("No such involvement") from None
        services.remove_involvement(actor=request.user, involvement=involvement)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=IncidentSourceWriteSerializer, responses={201: IncidentSourceSerializer})
    @action(detail=True, methods=["post"], url_path="sources")
    def link_source(self, request, reference=None):
        incident = self.get_object()
        data = validated(IncidentSourceWriteSerializer, request)
        link = services.link_source(actor=request.user, incident=incident, source=data["source"], note=data.get("note", ""))
        return Response(IncidentSourceSerializer(link).data, status=status.HTTP_201_CREATED)


class SourceViewSet(RecordViewSet):
    """Sources: list, read, create, change. Never deleted (incidents cite them)."""

    serializer_class = SourceSerializer
    queryset = Source.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return _allowed_or_none(self.request.user, "source.view", Source.objects.select_related("kind").order_by("-created_at", "id"))

    def create(self, request):
        source = services.record_source(actor=request.user, fields=validated(SourceSerializer, request))
        return Response(SourceSerializer(source).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, uuid=None):
        source = self.get_object()
        source = services.update_source(actor=request.user, source=source, fields=validated(SourceSerializer, request, partial=True))
        return Response(SourceSerializer(source).data)


class InterventionViewSet(RecordViewSet):
    """Actions taken about incidents. Only the references of incidents the caller may see are listed."""

    serializer_class = InterventionSerializer
    queryset = Intervention.objects.none()

    def get_queryset(self):
        user = self.request.user
        queryset = Intervention.objects.select_related("kind", "by_organization", "by_person", "election", "source").prefetch_related(
            Prefetch("incidents", queryset=visible_incidents(user).only("id", "reference"))
        )
        return _allowed_or_none(user, "intervention.view", queryset)

    def create(self, request):
        data = validated(InterventionSerializer, request)
        references = data.pop("incidents", [])
        found = {i.reference: i for i in visible_incidents(request.user).filter(reference__in=references)}
        missing = [r for r in references if r not in found]
        if missing:
            raise serializers.ValidationError({"incidents": [_("No such incident: %(references)s.") % {"references": ", ".join(missing[:10])}]})
        intervention = services.record_intervention(actor=request.user, fields=data, incidents=list(found.values()))
        return Response(InterventionSerializer(self.get_queryset().get(pk=intervention.pk)).data, status=status.HTTP_201_CREATED)


class PlaceViewSet(viewsets.ReadOnlyModelViewSet):
    """The gazetteer, by KATOTTG code; filter by ``q`` (any spelling), ``category`` and ``parent``."""

    serializer_class = PlaceSerializer
    lookup_field = "code"
    lookup_value_regex = r"UA[0-9]{17}"
    pagination_class = Pagination
    queryset = Place.objects.none()

    def get_queryset(self):

        queryset = Place.objects.select_related("parent", "raion", "region").order_by("code")
        params = self.request.query_params
        if params.get("q", "").strip():
            queryset = queryset.filter(pk__in=matching_ids("place", params["q"]))
        if params.get("category"):
            if params["category"] not in Place.Category.values:
                raise serializers.ValidationError({"category": [_("Use one of %(values)s.") % {"values": ", ".join(Place.Category.values)}]})
            queryset = queryset.filter(category=params["category"])
        if query_param(self.request, "parent"):
            queryset = queryset.filter(parent__code=query_param(self.request, "parent"))
        return _allowed_or_none(self.request.user, "place.view", queryset)

    @extend_schema(parameters=[
        OpenApiParameter("q", str), OpenApiParameter("category", str, enum=Place.Category.values),
        OpenApiParameter("parent", str, description="KATOTTG code of the parent"),
    ])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class ElectionViewSet(RecordViewSet):
    serializer_class = ElectionSerializer
    queryset = Election.objects.none()

    def get_queryset(self):
        queryset = Election.objects.select_related("territory").prefetch_related(
            Prefetch("figures", queryset=ElectionFigure.objects.select_related("territory", "source"))
        )
        return _allowed_or_none(self.request.user, "election.view", queryset)


class VocabularyListView(APIView):
    """All vocabularies in their export form (the same data ``svidok export`` writes)."""

    @extend_schema(responses=VocabularyExportSerializer, operation_id="v1_vocabularies_list")
    def get(self, request):
        if not rules.can(request.user, "vocabulary.view"):
            raise exceptions.PermissionDenied()  # DRF's own message, as every other 403
        return Response(services.export_vocabularies())


class VocabularyDetailView(APIView):
    @extend_schema(responses=VocabularySerializer, operation_id="v1_vocabularies_retrieve")
    def get(self, request, code):
        if not rules.can(request.user, "vocabulary.view"):
            raise exceptions.PermissionDenied()  # DRF's own message, as every other 403
        for vocabulary in services.export_vocabularies()["vocabularies"]:
            if vocabulary["code"] == code:
                return Response(vocabulary)
        raise Http404("No such vocabulary")


SEARCH_LIMIT = 20
SEARCH_MAX_Q = 200


def _search(user, q: str) -> dict:
    """Visible records matching ``q`` in any spelling, through the search module's interface."""
    found = search_api.search(user, q, limit=SEARCH_LIMIT)
    return {key: list(found.get(key, [])) for key in ("incidents", "persons", "organizations", "places")}


class SearchView(APIView):
    """Incidents, persons, organizations and places matching ``q`` in any spelling (Cyrillic or Latin)."""

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True, description=(
            f"text in any spelling, at most {SEARCH_MAX_Q} characters; an empty text finds nothing"))],
        responses=inline_serializer("SearchResults", {
            "q": serializers.CharField(),
            "incidents": IncidentListSerializer(many=True),
            "persons": PersonSerializer(many=True),
            "organizations": OrganizationSerializer(many=True),
            "places": PlaceSerializer(many=True),
        }),
    )
    @limited_method("search")
    def get(self, request):
        if "q" not in request.query_params:
            raise serializers.ValidationError({"q": [_("Give a search text.")]})
        q = request.query_params["q"].strip()
        if len(q) > SEARCH_MAX_Q:
            raise serializers.ValidationError({"q": [_("A search text is at most %(limit)s characters long.") % {"limit": SEARCH_MAX_Q}]})
        # ``q=`` (a form sent empty) is a search for nothing, as on the search page: no results, not an error.
        found = _search(request.user, q) if q else {key: [] for key in ("incidents", "persons", "organizations", "places")}
        context = {"request": request}
        return Response({
            "q": q,
            "incidents": IncidentListSerializer(found["incidents"], many=True, context=context).data,
            "persons": PersonSerializer(found["persons"], many=True, context=context).data,
            "organizations": OrganizationSerializer(found["organizations"], many=True, context=context).data,
            "places": PlaceSerializer(found["places"], many=True, context=context).data,
        })

