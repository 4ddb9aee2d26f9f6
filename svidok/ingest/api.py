"""``/api/v1/news/articles/`` and ``/api/v1/news/candidates/``: the articles read from the news and
the incidents proposed from them, for the roles that review them (``news.review``); the writes
(correct, accept, merge, reject) are the services of ``ingest.review``, as on the pages.

A role without ``news.review`` gets empty lists and 404 for a record, like the other record kinds
it may not read. A perpetrator's registry key is not shown: ``in_registry`` says whether accepting
will link it.
"""

from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from svidok.accounts import rules
from svidok.common.api import RecordViewSet, query_param, validated
from svidok.incidents.models import Place
from svidok.incidents.queries import visible_incidents
from svidok.ingest import review
from svidok.ingest.models import Article, Candidate
from svidok.people import freetext
from svidok.people.serializers import ReadTextField, ReadTextListSerializer


class PerpetratorSerializer(serializers.Serializer):
    as_written = serializers.CharField()
    label = serializers.CharField()
    in_registry = serializers.BooleanField(help_text="accepting links this party to the incident as a perpetrator")


class CandidatePlaceSerializer(serializers.Serializer):
    as_written = serializers.CharField()
    code = serializers.CharField(allow_null=True, help_text="gazetteer (KATOTTG) code")
    name = serializers.CharField(allow_null=True)


class CandidateSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    article = serializers.UUIDField(source="article.uuid", read_only=True)
    type = serializers.CharField(source="type.code", help_text="an incident_type code")
    type_label = serializers.CharField(source="type.label")
    date = serializers.DateField(source="date_start", allow_null=True)
    place = serializers.SerializerMethodField()
    perpetrators = serializers.SerializerMethodField()
    status_label = serializers.CharField(source="get_status_display")
    incident = serializers.CharField(source="incident.reference", default=None, allow_null=True,
                                     help_text="the incident it was accepted as or merged into (SV-...)")
    decided_by = serializers.CharField(source="decided_by.username", default=None, allow_null=True)
    # The article's words as the reader may see them (people.freetext): without clearance a
    # protected person's name reads as the pseudonym, so the offsets may no longer cut the quote
    # out of the text as shown.
    evidence_quote = ReadTextField()
    reason = ReadTextField()
    victims = serializers.SerializerMethodField()

    class Meta:
        list_serializer_class = ReadTextListSerializer
        model = Candidate
        fields = ["id", "article", "position", "type", "type_label", "date", "date_precision", "place", "victims",
                  "victim_count", "perpetrators", "reported_by", "evidence_quote", "quote_start", "quote_end", "confidence",
                  "status", "status_label", "reason", "incident", "decided_by", "decided_at", "lexicon_version", "created_at"]

    def get_victims(self, candidate) -> list[str]:
        reader = freetext.reader_for(self.context.get("request"))
        return [reader(v) for v in candidate.victims if isinstance(v, str)]

    def get_place(self, candidate) -> CandidatePlaceSerializer(allow_null=True):
        if not candidate.place_id and not candidate.place_as_written:
            return None
        place = candidate.place
        return {"as_written": candidate.place_as_written, "code": place.code if place else None, "name": place.name if place else None}

    def get_perpetrators(self, candidate) -> PerpetratorSerializer(many=True):
        known = self.context.get("registry_ids")
        if known is None:
            known = review.registry_ids([candidate])
        return [{"as_written": p.get("as_written", ""), "label": review.perpetrator_label(p),
                 "in_registry": str((p.get("match") or {}).get("id")) in known} for p in candidate.perpetrators]


class ArticleSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    title = ReadTextField(source="source.title")
    outlet = serializers.CharField(source="source.publisher")
    url = serializers.CharField(source="source.url")
    published = serializers.DateField(source="source.published_on", allow_null=True)
    language = serializers.CharField(source="source.language")
    source = serializers.UUIDField(source="source.uuid", help_text="the incidents source the article is kept as")
    duplicate_of = serializers.UUIDField(source="duplicate_of.uuid", default=None, allow_null=True,
                                         help_text="the first copy of a near-duplicate")
    pending = serializers.IntegerField(help_text="proposals waiting for review")

    class Meta:
        list_serializer_class = ReadTextListSerializer
        model = Article
        fields = ["id", "title", "outlet", "url", "published", "language", "source", "duplicate_of", "resemblance",
                  "pending", "imported_at"]


class ArticleDetailSerializer(ArticleSerializer):
    text = ReadTextField()
    candidates = CandidateSerializer(many=True)

    class Meta(ArticleSerializer.Meta):
        fields = [*ArticleSerializer.Meta.fields, "text", "candidates"]

    def to_representation(self, article):
        # Every free text of the article announced at once: one lookup of the blind index.
        freetext.reader_for(self.context.get("request")).expect([
            article.source.title, article.text,
            *(t for c in article.candidates.all() for t in (c.evidence_quote, c.reason, *c.victims) if isinstance(t, str))])
        return super().to_representation(article)


class CandidateWriteSerializer(serializers.Serializer):
    type = serializers.SlugField(required=False, help_text="an incident_type code")
    date = serializers.DateField(required=False, allow_null=True)
    # Checked by the service: a choice field here would clash in the schema with the incidents'
    # date precisions (one enum name for two sets of choices).
    date_precision = serializers.CharField(required=False, allow_blank=True, max_length=12, help_text="day, month or year")
    place = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=19, help_text="a KATOTTG code")
    victim_count = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=1_000_000)
    perpetrators = serializers.ListField(child=serializers.CharField(max_length=300), required=False, max_length=review.MAX_PERPETRATORS)

    def validate_place(self, code):
        if not code:
            return None
        place = Place.objects.filter(code=code.strip().upper()).first()
        if place is None:
            raise serializers.ValidationError(_("No place has the code %(code)s.") % {"code": code})
        return place


def service_fields(data: dict) -> dict:
    fields = dict(data)
    if "date" in fields:
        fields["date_start"] = fields.pop("date")
    return fields


class MergeSerializer(serializers.Serializer):
    incident = serializers.CharField(max_length=20, help_text="the reference (SV-...) of the incident the article also reports")


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000)


def _articles(user):
    if not rules.can(user, "news.review"):
        return Article.objects.none()
    return (Article.objects.select_related("source", "duplicate_of")
            .annotate(pending=Count("candidates", filter=Q(candidates__status=Candidate.Status.PENDING)))
            .order_by("-imported_at", "-id"))


class ArticleViewSet(RecordViewSet):
    """Articles read from the news, newest first; one with its text and its proposals."""

    queryset = Article.objects.none()

    def get_serializer_class(self):
        return ArticleDetailSerializer if self.action == "retrieve" else ArticleSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.action == "retrieve" and "uuid" in self.kwargs:
            context["registry_ids"] = review.registry_ids(Candidate.objects.filter(article__uuid=self.kwargs["uuid"]))
        return context

    def get_queryset(self):
        articles = _articles(self.request.user)
        if self.action == "retrieve":
            articles = articles.prefetch_related("candidates__type", "candidates__place", "candidates__incident",
                                                 "candidates__decided_by", "candidates__article")
        return articles


@extend_schema_view(list=extend_schema(parameters=[
    OpenApiParameter("status", OpenApiTypes.STR, enum=Candidate.Status.values, description="default: every status"),
    OpenApiParameter("type", OpenApiTypes.STR, description="an incident_type code"),
    OpenApiParameter("language", OpenApiTypes.STR, description="the article's language: uk, ru, en, crh"),
    OpenApiParameter("article", OpenApiTypes.UUID, description="the proposals of one article"),
]))
class CandidateViewSet(RecordViewSet):
    """Incidents proposed from articles; correct one (PATCH), accept, merge or reject it."""

    serializer_class = CandidateSerializer
    queryset = Candidate.objects.none()
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if not rules.can(self.request.user, "news.review"):
            return Candidate.objects.none()
        candidates = Candidate.objects.select_related("article__source", "type", "place", "incident", "decided_by").order_by("-created_at", "-id")
        if self.action != "list":
            return candidates
        status, type_code = query_param(self.request, "status"), query_param(self.request, "type")
        language, article = query_param(self.request, "language"), query_param(self.request, "article")
        if status:
            if status not in Candidate.Status.values:
                raise serializers.ValidationError({"status": [_("Not a status of a proposal.")]})
            candidates = candidates.filter(status=status)
        if type_code:
            candidates = candidates.filter(type__code=type_code)
        if language:
            candidates = candidates.filter(article__source__language=language)
        if article:
            try:
                candidates = candidates.filter(article__uuid=serializers.UUIDField().to_internal_value(article))
            except serializers.ValidationError:
                raise serializers.ValidationError({"article": [_("Not an article's id.")]}) from None
        return candidates

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = self.get_serializer_context() | {"registry_ids": review.registry_ids(page)}
        return self.get_paginated_response(CandidateSerializer(page, many=True, context=context).data)

    def get_object(self):
        candidate = self.get_queryset().filter(uuid=self.kwargs["uuid"]).first()
        if candidate is None:
            raise Http404("No such proposal")
        return candidate

    @extend_schema(request=CandidateWriteSerializer, responses=CandidateSerializer)
    def partial_update(self, request, uuid=None):
        """Correct a pending proposal: any of type, date, date precision, place, number of victims, perpetrators."""
        candidate = self.get_object()
        data = validated(CandidateWriteSerializer, request, partial=True)
        return self.read_back(review.update_candidate(actor=request.user, candidate=candidate, fields=service_fields(data)))

    @extend_schema(request=CandidateWriteSerializer, responses=inline_serializer("Accepted", {
        "candidate": CandidateSerializer(), "incident": serializers.CharField(help_text="the draft incident recorded (SV-...)")}))
    @action(detail=True, methods=["post"])
    def accept(self, request, uuid=None):
        """Accept a proposal, with any last corrections: a draft incident citing the article."""
        candidate = self.get_object()
        data = validated(CandidateWriteSerializer, request, partial=True)
        incident = review.accept_candidate(actor=request.user, candidate=candidate, fields=service_fields(data))
        return Response({"candidate": self.get_serializer(self.get_queryset().get(pk=candidate.pk)).data, "incident": incident.reference})

    @extend_schema(request=MergeSerializer, responses=CandidateSerializer)
    @action(detail=True, methods=["post"])
    def merge(self, request, uuid=None):
        """The proposal reports an incident already recorded: the article is cited on it."""
        candidate = self.get_object()
        data = validated(MergeSerializer, request)
        incident = visible_incidents(request.user).filter(reference=data["incident"].strip()).first()
        if incident is None:
            raise serializers.ValidationError({"incident": [_("No such incident.")]})
        review.merge_candidate(actor=request.user, candidate=candidate, incident=incident)
        return self.read_back(candidate)

    @extend_schema(request=RejectSerializer, responses=CandidateSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, uuid=None):
        """Reject a proposal, with a reason."""
        candidate = self.get_object()
        data = validated(RejectSerializer, request)
        review.reject_candidate(actor=request.user, candidate=candidate, reason=data["reason"])
        return self.read_back(candidate)
