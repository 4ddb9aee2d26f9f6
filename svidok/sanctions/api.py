"""``POST /api/v1/match/``: name matching with the request and response shape of the OpenSanctions
``/match`` API (yente), so that its clients work against Svidok.

    POST /api/v1/match/?dataset=eu-269&limit=5&threshold=0.8
    {"queries": {"q1": {"schema": "Person", "properties": {"name": ["Inna Guzeeva"], "birthDate": ["1971-05-20"]}}}}

``dataset`` (query parameter, or the path ``/api/v1/match/<dataset>/`` as in yente) is
``registry`` (the default: Svidok's own persons and organizations, never protected persons) or
the name of an imported reference list. Each result carries yente's fields (``id``, ``caption``,
``schema``, ``properties``, ``datasets``, ``score``, ``match``, ``features``, ``explanations``)
and Svidok's ``explanation`` (which spelling met which); list results add the list's own
``record_id`` and ``listed_since``. docs/matching.md describes the method and the threshold.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from svidok.accounts import rules
from svidok.accounts.rules import require
from svidok.names import matching
from svidok.sanctions import matching as sanctions_matching

MAX_QUERIES = 50
SCHEMAS = ("Person", "Organization", "Company", "LegalEntity", "PublicBody")


class PropertiesField(serializers.DictField):
    """FollowTheMoney properties: ``{prop: [values]}``; a single string stands for a list of one."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            data = {k: [v] if isinstance(v, str) else v for k, v in data.items()}
        return super().to_internal_value(data)


class EntityExampleSerializer(serializers.Serializer):
    id = serializers.CharField(required=False, allow_null=True, max_length=200)
    schema = serializers.ChoiceField(choices=SCHEMAS)
    properties = PropertiesField(child=serializers.ListField(child=serializers.CharField(max_length=300, allow_blank=True),
                                                             max_length=20))

    def validate_properties(self, value):
        names = [n for n in value.get("name", []) if n.strip()]
        if not names:
            raise serializers.ValidationError("Give at least one name: {\"name\": [\"...\"]}.")
        value["name"] = names
        dates = [d for d in value.get("birthDate", []) if d.strip()]
        for date in dates:
            try:
                matching.check_birth_date(date)
            except matching.MatchError as exc:
                raise serializers.ValidationError({"birthDate": [str(exc)]}) from None
        value["birthDate"] = dates
        return value


class MatchRequestSerializer(serializers.Serializer):
    queries = serializers.DictField(child=EntityExampleSerializer(), allow_empty=False)
    # Accepted for compatibility with yente clients; Svidok's scorer has no tunable weights.
    weights = serializers.DictField(child=serializers.FloatField(), required=False)
    config = serializers.DictField(required=False)

    def validate_queries(self, value):
        if len(value) > MAX_QUERIES:
            raise serializers.ValidationError(f"At most {MAX_QUERIES} queries in one request.")
        return value


class MatchParams(serializers.Serializer):
    dataset = serializers.SlugField(required=False, default=sanctions_matching.REGISTRY, max_length=100)
    limit = serializers.IntegerField(required=False, default=5, min_value=1, max_value=matching.MAX_LIMIT)
    threshold = serializers.FloatField(required=False, allow_null=True, default=None, min_value=0.0, max_value=1.0)
    algorithm = serializers.ChoiceField(choices=list(matching.ALGORITHMS), required=False, default=matching.ALGORITHM)


def _feature_docs(algorithm: str) -> dict:
    if algorithm == "logic-v2":
        from nomenklatura.matching import get_algorithm

        return {name: doc.model_dump() for name, doc in get_algorithm("logic-v2").get_feature_docs().items()}
    url = "docs/matching.md"
    return {
        "name_match": {"description": "Best alignment of the query's words with one of the candidate's names, over "
                                      "their normalized forms (romanizations, lemmas); patronymics count half.",
                       "coefficient": 1.0, "url": url},
        "birth_date": {"description": f"Birth dates: +{matching.BIRTH_DATE_AGREES} when they agree, "
                                      f"{matching.BIRTH_DATE_OTHER_DAY} for the same year and another day, "
                                      f"{matching.BIRTH_DATE_OTHER_YEAR} for another year.",
                       "coefficient": 1.0, "url": url},
    }


def _properties(entry, *, show_birth_dates: bool) -> dict:
    if entry.record_id:  # a reference list: its FollowTheMoney properties as the list has them
        return dict(entry.properties) or {"name": entry.names}
    props = {"name": entry.names}
    if show_birth_dates and entry.birth_dates:
        props["birthDate"] = list(entry.birth_dates)
    return props


def _explanations(result) -> dict:
    """yente's ``explanations``: ``{feature: {score, detail, query, candidate}}``."""
    if result.explanation and "name" not in result.explanation:
        return result.explanation  # logic-v2's own explanations
    name = (result.explanation or {}).get("name") or {}
    detail = "; ".join(f"{q} ~ {c} {s:.2f}" for q, c, s in name.get("tokens", [])) or "no name part in common"
    out = {"name_match": {"score": result.features.get("name_match", 0.0), "detail": detail,
                          "query": name.get("query"), "candidate": name.get("candidate_name")}}
    if "birth_date" in result.features:
        out["birth_date"] = {"score": result.features["birth_date"], "detail": result.explanation.get("birth_date"),
                             "query": None, "candidate": None}
    return out


PARAMETERS = [
    OpenApiParameter("limit", int, description=f"results per query, 1..{matching.MAX_LIMIT} (default 5)"),
    OpenApiParameter("threshold", float, description=f"score from which `match` is true (default {matching.DEFAULT_THRESHOLD}; "
                                                     f"logic-v2: {matching.LOGIC_V2_THRESHOLD})"),
    OpenApiParameter("algorithm", str, enum=list(matching.ALGORITHMS), description="the scorer"),
]
RESPONSE = inline_serializer("MatchResponse", {
    "responses": serializers.DictField(child=serializers.JSONField()),
    "matcher": serializers.DictField(child=serializers.JSONField()),
    "limit": serializers.IntegerField(),
})


class MatchView(APIView):
    """Query-by-example matching of persons and organizations (OpenSanctions ``/match`` format)."""

    @extend_schema(
        parameters=[OpenApiParameter("dataset", str, description="`registry` (default) or the name of an imported reference list"),
                    *PARAMETERS],
        request=MatchRequestSerializer,
        responses=RESPONSE,
        operation_id="match",
    )
    def post(self, request, dataset=None):
        require(request.user, "person.match")
        params = MatchParams(data={**request.query_params.dict(), **({"dataset": dataset} if dataset else {})})
        params.is_valid(raise_exception=True)
        params = params.validated_data
        body = MatchRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        name_of_list = None if params["dataset"] == sanctions_matching.REGISTRY else params["dataset"]
        try:
            index = sanctions_matching.get_index(name_of_list)
        except LookupError:
            raise NotFound(f"No dataset {params['dataset']!r}: use 'registry' or an imported list.") from None
        show_births = name_of_list is not None or rules.can(request.user, "person.identity")
        responses = {}
        for key, example in body.validated_data["queries"].items():
            props = example["properties"]
            try:
                result = index.match(
                    props["name"][0], birth_date=(props["birthDate"] or [None])[0], limit=params["limit"],
                    threshold=params["threshold"], algorithm=params["algorithm"],
                    persons=example["schema"] == "Person", use_birth_dates=show_births,
                )
                extra = [index.match(n, birth_date=(props["birthDate"] or [None])[0], limit=params["limit"],
                                     threshold=params["threshold"], algorithm=params["algorithm"],
                                     persons=example["schema"] == "Person", use_birth_dates=show_births)
                         for n in props["name"][1:]]
            except matching.MatchError as exc:
                raise serializers.ValidationError({"queries": {key: {"properties": {"name": [str(exc)]}}}}) from None
            results = _merge(result, extra, params["limit"])
            responses[key] = {
                "status": 200,
                "results": [self._result(r, params["dataset"], show_births) for r in results],
                # Candidates at or above the threshold, shown or not (as yente's total); with
                # several names, those of the name that found the most.
                "total": {"value": max(r.total for r in (result, *extra)), "relation": "eq"},
                "query": {"id": example.get("id"), "schema": example["schema"],
                          "properties": {k: v for k, v in props.items() if v}},
            }
        return Response({"responses": responses, "matcher": _feature_docs(params["algorithm"]), "limit": params["limit"]})

    @staticmethod
    def _result(r, dataset: str, show_births: bool) -> dict:
        entry = r.entry
        data = {
            "id": entry.id,
            "caption": entry.caption,
            "schema": entry.schema,
            "properties": _properties(entry, show_birth_dates=show_births),
            "datasets": [dataset],
            "referents": [],
            "target": bool(entry.record_id),
            "first_seen": None,
            "last_seen": None,
            "last_change": None,
            "score": r.score,
            "match": r.match,
            "features": r.features,
            "explanations": _explanations(r),
            "explanation": r.explanation,
        }
        if entry.record_id:
            data["record_id"] = entry.record_id
            data["listed_since"] = entry.listed_since
        return data


def _merge(first, others, limit: int):
    """A query with several names: each entry once, with its best score."""
    best = {}
    for result in (first, *others):
        for r in result.results:
            if r.entry.id not in best or r.score > best[r.entry.id].score:
                best[r.entry.id] = r
    return sorted(best.values(), key=lambda r: (-r.score, r.entry.caption, r.entry.id))[:limit]



class DatasetMatchView(MatchView):
    """The same with the dataset in the path, as yente's ``/match/{dataset}``."""

    @extend_schema(
        parameters=[OpenApiParameter("dataset", str, OpenApiParameter.PATH,
                                     description="`registry` or the name of an imported reference list"), *PARAMETERS],
        request=MatchRequestSerializer,
        responses=RESPONSE,
        operation_id="match_dataset",
    )
    def post(self, request, dataset=None):
        return super().post(request, dataset=dataset)
