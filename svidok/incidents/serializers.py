"""API input and output formats for incidents, sources, interventions, places and elections.

Serializers only parse and check formats (codes to vocabulary terms, public ids to objects); the
views pass the cleaned data to the services, which enforce the rules and write the audit entries.
"""

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from svidok.common.serializers import PublicIdField
from svidok.common.serializers import TermField as BaseTermField
from svidok.incidents.models import (
    DatePrecision,
    Election,
    ElectionFigure,
    Incident,
    IncidentSource,
    Intervention,
    Involvement,
    Place,
    Source,
    Term,
)
from svidok.people import freetext
from svidok.people.models import Organization, Person
from svidok.people.serializers import ReadTextField, ReadTextListSerializer


def TermField(vocabulary: str, **kwargs):  # noqa: N802 - used as a field class
    return BaseTermField(vocabulary, model=Term, **kwargs)


def _text(limit: int | None = None, **kwargs):
    # Free text: read as the reader sees it (a protected person's name as the pseudonym without clearance).
    return ReadTextField(max_length=limit or settings.SVIDOK_MAX_TEXT, allow_blank=True, **kwargs)


# -- reads -----------------------------------------------------------------------------------


class PlaceBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Place
        fields = ["code", "name_uk", "name_latin"]


class PlaceSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)
    raion = serializers.SlugRelatedField(slug_field="code", read_only=True)
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Place
        fields = [
            "code", "koatuu", "category", "urban_type", "name_uk", "name_ru", "name_latin", "name_crh", "alt_names",
            "parent", "raion", "region", "latitude", "longitude", "occupied_since",
        ]


class ElectionFigureSerializer(serializers.ModelSerializer):
    territory = serializers.SlugRelatedField(slug_field="code", read_only=True)
    source = serializers.SlugRelatedField(slug_field="uuid", read_only=True)

    class Meta:
        model = ElectionFigure
        fields = [
            "metric", "comparator", "value", "official", "territory", "territory_text", "population_group",
            "claimed_by", "source", "notes",
        ]


class ElectionSerializer(serializers.ModelSerializer):
    territory = serializers.SlugRelatedField(slug_field="code", read_only=True)
    figures = ElectionFigureSerializer(many=True, read_only=True)
    notes = ReadTextField(read_only=True)

    class Meta:
        model = Election
        fields = ["uuid", "name", "name_uk", "kind", "date", "territory", "territory_text", "notes", "figures"]


class SourceSerializer(serializers.ModelSerializer):
    """A source, read and written (the service validates dates and gradings)."""

    kind = TermField("source_type")
    title = ReadTextField(max_length=500)
    excerpt = _text(required=False)
    notes = _text(required=False)
    credibility = serializers.IntegerField(min_value=1, max_value=6, required=False)
    reliability = serializers.ChoiceField(choices=Source.Reliability.choices, required=False)

    class Meta:
        model = Source
        fields = [
            "uuid", "kind", "title", "publisher", "author", "url", "published_on", "accessed_on", "language",
            "reliability", "credibility", "excerpt", "notes", "created_at",
        ]
        read_only_fields = ["uuid", "created_at"]
        list_serializer_class = ReadTextListSerializer


class IncidentSourceSerializer(serializers.ModelSerializer):
    source = serializers.SlugRelatedField(slug_field="uuid", read_only=True)
    title = ReadTextField(source="source.title", read_only=True)
    grading = serializers.CharField(source="source.grading", read_only=True)
    note = ReadTextField(read_only=True)

    class Meta:
        model = IncidentSource
        fields = ["source", "title", "grading", "note"]
        list_serializer_class = ReadTextListSerializer


class InvolvementSerializer(serializers.ModelSerializer):
    """An involvement as read. ``party_name`` is the person's display name (a pseudonym when protected)."""

    role = TermField("involvement_role", read_only=True)
    perpetrator_type = TermField("perpetrator_type", read_only=True, allow_null=True)
    person = serializers.SlugRelatedField(slug_field="uuid", read_only=True)
    organization = serializers.SlugRelatedField(slug_field="uuid", read_only=True)
    party_name = serializers.SerializerMethodField()
    details = ReadTextField(read_only=True)

    class Meta:
        model = Involvement
        fields = ["uuid", "role", "person", "organization", "party_name", "perpetrator_type", "details"]
        list_serializer_class = ReadTextListSerializer

    def get_party_name(self, involvement) -> str:
        return involvement.party.display_name


class IncidentListSerializer(serializers.ModelSerializer):
    type = TermField("incident_type", read_only=True)
    place = PlaceBriefSerializer(read_only=True)
    election = serializers.SlugRelatedField(slug_field="uuid", read_only=True)
    duplicate_of = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    legal_tags = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    # Free texts: a protected person's name reads as the pseudonym without clearance (people.freetext).
    title = ReadTextField(read_only=True)
    place_text = ReadTextField(read_only=True)
    status_reason = ReadTextField(read_only=True)

    class Meta:
        list_serializer_class = ReadTextListSerializer
        model = Incident
        fields = [
            "reference", "title", "type", "date_start", "date_end", "date_precision", "place", "place_text",
            "election", "status", "status_reason", "duplicate_of", "confidence", "sensitivity", "victim_count",
            "legal_tags", "tags", "created_at", "updated_at", "published_at",
        ]
        # On the public site since (null: not published); set only by incidents.publication.
        read_only_fields = ["published_at"]

    def get_legal_tags(self, incident) -> list[str]:
        # Sorted in Python over the prefetched rows: an order_by() here would query again per incident.
        return sorted(t.code for t in incident.legal_tags.all())

    def get_tags(self, incident) -> list[str]:
        return sorted(t.name for t in incident.tags.all())


class IncidentDetailSerializer(IncidentListSerializer):
    involvements = InvolvementSerializer(many=True, read_only=True)
    sources = IncidentSourceSerializer(source="source_links", many=True, read_only=True)
    interventions = serializers.SlugRelatedField(slug_field="uuid", many=True, read_only=True)

    narrative = ReadTextField(read_only=True)

    class Meta(IncidentListSerializer.Meta):
        fields = [*IncidentListSerializer.Meta.fields, "narrative", "involvements", "sources", "interventions"]

    def to_representation(self, incident):
        # Every free text of the incident announced at once: one lookup of the blind index.
        freetext.reader_for(self.context.get("request")).expect([
            incident.title, incident.narrative, incident.place_text, incident.status_reason,
            *(i.details for i in incident.involvements.all()),
            *(t for link in incident.source_links.all() for t in (link.source.title, link.note)),
        ])
        return super().to_representation(incident)


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class ReferenceListField(serializers.Field):
    """Incidents written and read as a list of references. Reads show what the prefetch let through."""

    def to_representation(self, manager):
        return sorted(i.reference for i in manager.all())

    def to_internal_value(self, data):
        if not isinstance(data, list) or not all(isinstance(r, str) and len(r) <= 20 for r in data) or len(data) > 1000:
            raise serializers.ValidationError(_("Give a list of incident references."))
        return data


class InterventionSerializer(serializers.ModelSerializer):
    kind = TermField("intervention_type")
    by_organization = PublicIdField(Organization, required=False, allow_null=True)
    by_person = PublicIdField(Person, required=False, allow_null=True)
    election = PublicIdField(Election, required=False, allow_null=True)
    source = PublicIdField(Source, required=False, allow_null=True)
    incidents = ReferenceListField(required=False)
    title = ReadTextField(max_length=300)
    description = _text(required=False)

    class Meta:
        list_serializer_class = ReadTextListSerializer
        model = Intervention
        fields = [
            "uuid", "kind", "title", "description", "by_organization", "by_person", "addressee", "date", "status",
            "election", "source", "incidents", "created_at",
        ]
        read_only_fields = ["uuid", "created_at"]



# -- writes ----------------------------------------------------------------------------------


class InvolvementWriteSerializer(serializers.Serializer):
    """A party in a role: an existing person or organization by uuid, or a new one by name."""

    role = TermField("involvement_role")
    person = PublicIdField(Person, required=False, allow_null=True)
    organization = PublicIdField(Organization, required=False, allow_null=True)
    person_name = serializers.CharField(max_length=300, required=False, allow_blank=True)
    organization_name = serializers.CharField(max_length=500, required=False, allow_blank=True)
    protected = serializers.BooleanField(
        required=False, allow_null=True, default=None,
        help_text="For a new person: hide the name behind a pseudonym. Defaults to true for victims and witnesses.",
    )
    perpetrator_type = TermField("perpetrator_type", required=False, allow_null=True)
    details = serializers.CharField(max_length=500, required=False, allow_blank=True)

    def validate(self, attrs):
        given = [k for k in ("person", "organization", "person_name", "organization_name") if attrs.get(k)]
        if len(given) != 1:
            raise serializers.ValidationError(
                {"party": [_("Give exactly one of person, organization, person_name, organization_name.")]}
            )
        return attrs


class IncidentSourceWriteSerializer(serializers.Serializer):
    source = PublicIdField(Source)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True)


class IncidentUpdateSerializer(serializers.Serializer):
    """The fields of an incident as sent to change it (PATCH: any subset)."""

    title = serializers.CharField(max_length=300)
    narrative = _text(required=False)
    type = TermField("incident_type")
    date_start = serializers.DateField()
    date_end = serializers.DateField(required=False, allow_null=True)
    date_precision = serializers.ChoiceField(choices=DatePrecision.choices, required=False)
    place = PublicIdField(Place, lookup="code", required=False, allow_null=True)
    place_text = serializers.CharField(max_length=300, required=False, allow_blank=True)
    election = PublicIdField(Election, required=False, allow_null=True)
    confidence = serializers.ChoiceField(choices=Incident.Confidence.choices, required=False)
    sensitivity = serializers.ChoiceField(choices=Incident.Sensitivity.choices, required=False)
    victim_count = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False, allow_null=True)
    legal_tags = serializers.ListField(child=TermField("legal_qualification"), required=False, max_length=50)
    tags = serializers.ListField(child=serializers.CharField(max_length=60), required=False, max_length=50)

    def validate(self, attrs):
        start, end = attrs.get("date_start"), attrs.get("date_end")
        if start and end and end < start:
            raise serializers.ValidationError({"date_end": [
                _("The end date (%(end)s) is before the start date (%(start)s).")
                % {"end": date_format(end), "start": date_format(start)}]})
        return attrs


class IncidentCreateSerializer(IncidentUpdateSerializer):
    """A new incident with its involvements and sources, created in one transaction."""

    involvements = InvolvementWriteSerializer(many=True, required=False, max_length=500)
    sources = IncidentSourceWriteSerializer(many=True, required=False, max_length=100)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class DuplicateSerializer(ReasonSerializer):
    duplicate_of = serializers.CharField(max_length=20, help_text="Reference of the original incident")


class VocabularyTermSerializer(serializers.Serializer):
    code = serializers.CharField()
    label_en = serializers.CharField()
    label_uk = serializers.CharField()
    label_ru = serializers.CharField()
    label_crh = serializers.CharField()
    description = serializers.CharField()
    reference = serializers.CharField()
    order = serializers.IntegerField()
    active = serializers.BooleanField()


class VocabularySerializer(serializers.Serializer):
    code = serializers.CharField()
    name_en = serializers.CharField()
    name_uk = serializers.CharField()
    description = serializers.CharField()
    version = serializers.IntegerField()
    terms = VocabularyTermSerializer(many=True)


class VocabularyExportSerializer(serializers.Serializer):
    format = serializers.CharField()
    version = serializers.IntegerField()
    vocabularies = VocabularySerializer(many=True)
