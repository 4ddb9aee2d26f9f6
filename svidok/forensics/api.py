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
from rest_framework.views import APIView

from svidok.accounts import rules
from svidok.accounts.rules import require
from svidok.common.api import RecordViewSet
from svidok.forensics import checks, claims, history, report, series, services, stats
from svidok.forensics.data import load_precincts
from svidok.forensics.models import Analysis, Precinct, ResultSet
from svidok.people import freetext

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


class HistoryRowSerializer(serializers.Serializer):
    """One vote in a precinct's history (svidok.forensics.history.as_rows)."""

    vote = serializers.CharField(help_text="the election's name")
    date = serializers.DateField()
    election = serializers.UUIDField()
    result_set = serializers.UUIDField()
    file = serializers.CharField()
    match = serializers.ChoiceField(choices=["this_row", "matched", "not_found", "duplicate", "not_compared"],
                                    help_text="how this vote's row relates to the precinct asked about")
    rows_found = serializers.IntegerField(help_text="rows of this vote with the same region and number")
    region = serializers.CharField(allow_null=True)
    commission = serializers.CharField(allow_null=True, help_text="the territorial commission as written")
    commission_differs = serializers.BooleanField()
    precinct = serializers.CharField(allow_null=True, help_text="the precinct as written")
    line = serializers.IntegerField(allow_null=True, help_text="line of the source file")
    registered = serializers.IntegerField(allow_null=True)
    ballots_issued = serializers.IntegerField(allow_null=True)
    turnout = serializers.FloatField(allow_null=True, help_text="%, ballots issued / registered")
    leader_kind = serializers.ChoiceField(choices=["candidates", "parties", "answers"])
    leader = serializers.CharField()
    leader_share = serializers.FloatField(allow_null=True, help_text="%, of ballots cast (valid + invalid)")
    flags = serializers.ListField(child=serializers.CharField())
    marks = serializers.ListField(child=serializers.CharField())


class PrecinctHistorySerializer(serializers.Serializer):
    result_set = serializers.UUIDField()
    line = serializers.IntegerField()
    region = serializers.CharField()
    commission = serializers.CharField()
    precinct = serializers.CharField()
    matchable = serializers.BooleanField(help_text="false for a row without a number or listed twice in its file")
    history = HistoryRowSerializer(many=True)


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

    @extend_schema(responses=PrecinctHistorySerializer)
    @action(detail=True, methods=["get"], pagination_class=None, url_path=r"precincts/(?P<line>[0-9]{1,9})/history")
    def precinct_history(self, request, uuid=None, line=None):
        """The precinct on a line of the file in every imported vote (docs/forensics.md, "Across votes")."""
        require(request.user, "forensics.view")
        result_set = self.get_object()
        try:
            found = history.precinct_history(actor=request.user, result_set=result_set, line=int(line))
        except Precinct.DoesNotExist:
            raise NotFound() from None
        p = found.precinct
        return Response({"result_set": result_set.public_id, "line": p.line, "region": p.region, "commission": p.tik,
                         "precinct": p.uik, "matchable": found.matchable, "history": history.as_rows(found)})

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
            change = stats.same_precinct(history.counterpart(compare, region=query["region"], tik=query["tik"],
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


# -- the series of votes in a territory (svidok/forensics/series.py) -------------------------------


class SeriesQuery(serializers.Serializer):
    territory = serializers.ChoiceField(choices=list(series.TERRITORIES), required=False,
                                        default=series.DEFAULT_TERRITORY)


class SeriesFigureSerializer(serializers.Serializer):
    official = serializers.BooleanField()
    metric = serializers.CharField()
    comparator = serializers.CharField(help_text="=, ≤, ≥ or ≈")
    value = serializers.FloatField(help_text="%")
    territory = serializers.CharField()
    population_group = serializers.CharField()
    claimed_by = serializers.CharField()
    source = serializers.CharField(help_text="title of the source, empty when none is recorded")
    source_url = serializers.CharField()
    compared_with = serializers.FloatField(allow_null=True, help_text="the official figure the value is set against, %")
    compared_with_kind = serializers.CharField(
        help_text='"protocols" (computed from the imported precinct results) or "recorded" (an official figure recorded on the election)')
    gap_pp = serializers.FloatField(allow_null=True, help_text="value minus compared_with, percentage points")


class SeriesOfficialSerializer(serializers.Serializer):
    file = serializers.CharField()
    result_set = serializers.UUIDField()
    precincts = serializers.IntegerField()
    excluded = serializers.IntegerField(help_text="precincts left out for missing numbers")
    registered = serializers.IntegerField()
    ballots_issued = serializers.IntegerField()
    ballots_cast = serializers.IntegerField()
    turnout = serializers.FloatField(allow_null=True, help_text="ballots issued / registered, %")
    leader = serializers.CharField()
    leader_kind = serializers.CharField(help_text="candidates, parties or answers")
    leader_role = serializers.CharField(help_text='e.g. "answer with most votes"')
    leader_votes = serializers.IntegerField()
    leader_share = serializers.FloatField(allow_null=True, help_text="leader's votes / ballots cast (valid + invalid), %")


class SeriesVoteSerializer(serializers.Serializer):
    election = serializers.UUIDField()
    name = serializers.CharField()
    date = serializers.DateField()
    official = SeriesOfficialSerializer(allow_null=True, help_text="null: no precinct results imported")
    figures = SeriesFigureSerializer(many=True)


class SeriesSerializer(serializers.Serializer):
    territory = serializers.CharField()
    label = serializers.CharField()
    regions = serializers.ListField(child=serializers.CharField())
    votes = SeriesVoteSerializer(many=True)


class SeriesView(APIView):
    """Every vote held in Crimea, Sevastopol or both, oldest first: the official figures computed
    from the imported precinct results of the territory, and the official figures and independent
    estimates recorded on each election with their gap to the official figure (docs/forensics.md,
    "The series in Crimea")."""

    @extend_schema(parameters=[SeriesQuery], responses=SeriesSerializer)
    def get(self, request):
        require(request.user, "forensics.view")
        query = _query(SeriesQuery, request)
        where, votes = series.series(query["territory"])
        # Sources' titles are free text: as the caller may read them (people.freetext).
        reader = freetext.reader_for(request).expect([f.figure.source.title for v in votes for f in v.figures
                                                      if f.figure.source_id])
        return Response(series_payload(where, votes, read=reader))


def series_payload(where, votes, read=None) -> dict:
    out = []
    for vote in votes:
        o = vote.official
        official = None
        if o is not None:
            official = {"file": vote.result_set.source_name, "result_set": vote.result_set.public_id,
                        **{k: o[k] for k in ("precincts", "excluded", "registered", "ballots_issued", "ballots_cast",
                                             "turnout", "leader", "leader_kind", "leader_role", "leader_votes",
                                             "leader_share")}}
        figures = [{k: row[k] for k in ("metric", "comparator", "value", "territory", "population_group", "claimed_by",
                                        "source", "source_url", "compared_with", "compared_with_kind", "gap_pp")}
                   | {"official": row["row"] == "official"}
                   for row in series.as_rows([vote], read=read)[1:]]
        out.append({"election": vote.election.public_id, "name": vote.election.display_name,
                    "date": vote.election.date.isoformat(), "official": official, "figures": figures})
    return {"territory": where.slug, "label": str(where.label), "regions": list(where.regions), "votes": out}
