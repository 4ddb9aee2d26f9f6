"""``/api/v1/forensics/``: result sets, their analyses and the claim tester, as JSON.

Reads only, like the pages' GETs: an analysis computed here is not saved (saving is a POST on the
page or ``svidok forensics analyze --save``). Query parameters are checked by serializers, so a bad
one is a 400 naming it.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from svidok.accounts import rules
from svidok.accounts.rules import require
from svidok.common.api import RecordViewSet
from svidok.forensics import checks, claims, report, services, stats
from svidok.forensics.data import load_precincts
from svidok.forensics.models import Analysis, ResultSet

MAX_API_REPLICATES = 5000


class ResultSetSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    election = serializers.UUIDField(source="election.uuid", read_only=True)
    election_name = serializers.CharField(source="election.name", read_only=True)
    file = serializers.CharField(source="source_name", read_only=True)

    class Meta:
        model = ResultSet
        fields = ["id", "election", "election_name", "label", "file", "sha256", "size", "candidates", "leader",
                  "precinct_count", "flag_counts", "mapping", "imported_at"]


class ResultSetDetailSerializer(ResultSetSerializer):
    """A result set with its checks: the precincts and registered voters held beside the file's own
    totals (rows of higher commissions), and the marked rows (see docs/forensics.md)."""

    checks = serializers.SerializerMethodField()

    class Meta(ResultSetSerializer.Meta):
        fields = [*ResultSetSerializer.Meta.fields, "checks"]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_checks(self, obj) -> dict:
        return checks.import_checks(obj)


class AnalysisSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    result_set = serializers.UUIDField(source="result_set.uuid", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)

    class Meta:
        model = Analysis
        fields = ["id", "result_set", "region", "tik", "params", "version", "duration_ms", "created_at", "created_by",
                  "result"]


class ScopeQuery(serializers.Serializer):
    region = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    tik = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)
    without_electronic_voting = serializers.BooleanField(
        required=False, default=False,
        help_text="leave the rows of remote electronic voting out (default: every row of the file is counted)")


class AnalysisQuery(ScopeQuery):
    replicates = serializers.IntegerField(required=False, default=report.DEFAULT_REPLICATES, min_value=1,
                                          max_value=MAX_API_REPLICATES)
    seed = serializers.IntegerField(required=False, default=0, min_value=0, max_value=2**32 - 1)
    bin_width = serializers.FloatField(required=False, default=1.0, min_value=0.1, max_value=10)
    compare = serializers.UUIDField(required=False, allow_null=True, default=None)


class ClaimQuery(ScopeQuery):
    metric = serializers.ChoiceField(choices=claims.METRICS)
    comparator = serializers.ChoiceField(choices=claims.COMPARATORS, default="le")
    value = serializers.FloatField(min_value=0, max_value=100)
    group = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    group_share = serializers.FloatField(required=False, allow_null=True, default=None)
    compare = serializers.UUIDField(required=False, allow_null=True, default=None)


def _query(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class ResultSetViewSet(RecordViewSet):
    serializer_class = ResultSetSerializer
    queryset = ResultSet.objects.none()

    def get_queryset(self):
        if not rules.can(self.request.user, "forensics.view"):
            return ResultSet.objects.none()
        return ResultSet.objects.select_related("election").order_by("-imported_at")

    def get_serializer_class(self):
        # The checks cost a query per result set: on the detail only, never on the list.
        return ResultSetDetailSerializer if self.action == "retrieve" else ResultSetSerializer

    def _scoped(self, request, query: dict):
        result_set = self.get_object()
        try:
            services.check_scope(result_set, query["region"], query["tik"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        compare = None
        if query.get("compare"):
            compare = ResultSet.objects.filter(uuid=query["compare"]).exclude(pk=result_set.pk).first()
            if compare is None:
                raise serializers.ValidationError({"compare": ["No other result set with this id."]})
        return result_set, compare

    @extend_schema(parameters=[AnalysisQuery], responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"], pagination_class=None)
    def analysis(self, request, uuid=None):
        """Every analysis of the result set (or a region / commission of it), as in docs/forensics.md."""
        require(request.user, "forensics.view")
        query = _query(AnalysisQuery, request)
        result_set, compare = self._scoped(request, query)
        try:
            result = report.analyze(result_set, region=query["region"], tik=query["tik"], replicates=query["replicates"],
                                    seed=query["seed"], bin_width=query["bin_width"], compare=compare,
                                    without_electronic_voting=query["without_electronic_voting"])
        except ValueError as exc:  # no precinct of the scope has every number (as the claim tester's "scope")
            raise serializers.ValidationError({"scope": [str(exc)]}) from None
        return Response(result)

    @extend_schema(parameters=[ClaimQuery], responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"], pagination_class=None)
    def claim(self, request, uuid=None):
        """What a claim implies against the protocols (see the claim tester in docs/forensics.md)."""
        require(request.user, "forensics.view")
        query = _query(ClaimQuery, request)
        result_set, compare = self._scoped(request, query)
        out = query["without_electronic_voting"]
        p = load_precincts(result_set, region=query["region"], tik=query["tik"], without_electronic_voting=out)
        change = None
        if compare is not None:
            change = stats.same_precinct(load_precincts(compare, region=query["region"], tik=query["tik"],
                                                        without_electronic_voting=out), p)
        claim = claims.Claim(metric=query["metric"], comparator=query["comparator"], value=query["value"],
                             group=query["group"].strip(), group_share=query["group_share"])
        try:
            return Response(claims.evaluate_claim(p, claim, baseline_change=change))
        except claims.ClaimError as exc:
            raise serializers.ValidationError({exc.field: [str(exc)]}) from None


class AnalysisViewSet(RecordViewSet):
    serializer_class = AnalysisSerializer
    queryset = Analysis.objects.none()

    def get_queryset(self):
        if not rules.can(self.request.user, "forensics.view"):
            return Analysis.objects.none()
        return Analysis.objects.select_related("result_set", "created_by").order_by("-created_at")

    def get_object(self):
        try:
            return super().get_object()
        except DjangoValidationError:
            raise NotFound() from None
