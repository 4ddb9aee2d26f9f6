"""``/api/v1/evidence/``: upload (multipart, several files), list, detail with the chain of custody,
download, link, withdraw and restore; ``bundles/``: the court bundle of incidents, as a ZIP.

Uploads arrive through ``svidok.evidence.uploads`` (a temporary file on disk, cut off at the size
limit) and are handed to ``services.add_item`` one by one. The download is the same hardened
response as the page's (``serving``).
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from svidok.accounts.rules import require
from svidok.audit.services import history
from svidok.common.api import RecordViewSet, query_param, validated
from svidok.common.ratelimits import limited_method
from svidok.evidence import services, serving, storage
from svidok.evidence.bundle_download import bundle_response
from svidok.evidence.models import EvidenceItem
from svidok.evidence.queries import visible_items
from svidok.incidents.models import Source
from svidok.incidents.queries import visible_incidents
from svidok.people import freetext
from svidok.people.serializers import ReadTextField, ReadTextListSerializer


class LinkSerializer(serializers.Serializer):
    incident = serializers.CharField(source="incident.reference", default=None)
    source = serializers.UUIDField(source="source.uuid", default=None)
    exhibit = serializers.CharField()
    description = ReadTextField()

    class Meta:
        list_serializer_class = ReadTextListSerializer


class CustodySerializer(serializers.Serializer):
    time = serializers.DateTimeField(source="created_at")
    actor = serializers.CharField(source="actor_label")
    action = serializers.CharField()
    changes = serializers.JSONField()
    audit_entry = serializers.IntegerField(source="id")


class ItemSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    name = serializers.CharField(source="original_name")
    sha256 = serializers.CharField(source="blob.sha256")
    size = serializers.IntegerField(source="blob.size")
    media_type = serializers.CharField(source="blob.media_type")
    erased = serializers.SerializerMethodField()
    has_thumbnail = serializers.SerializerMethodField()
    links = LinkSerializer(many=True)
    created_by = serializers.CharField(source="created_by.username", default=None)
    # Free texts: a protected person's name reads as the pseudonym without clearance (people.freetext).
    description = ReadTextField(read_only=True)
    status_reason = ReadTextField(read_only=True)

    class Meta:
        list_serializer_class = ReadTextListSerializer
        model = EvidenceItem
        fields = ["id", "name", "sha256", "size", "media_type", "claimed_type", "status", "status_reason", "method",
                  "collected_at", "collected_by", "origin", "description", "metadata", "links", "has_thumbnail",
                  "erased", "created_at", "created_by"]

    def get_erased(self, item) -> bool:
        return item.blob.purged_at is not None

    def get_has_thumbnail(self, item) -> bool:
        return bool(item.thumbnail)


class ItemDetailSerializer(ItemSerializer):
    custody = CustodySerializer(many=True, read_only=True)

    class Meta(ItemSerializer.Meta):
        fields = [*ItemSerializer.Meta.fields, "custody"]


class UploadSerializer(serializers.Serializer):
    files = serializers.ListField(child=serializers.FileField(allow_empty_file=True), allow_empty=True, required=False)
    incident = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)
    source = serializers.UUIDField(required=False, allow_null=True, default=None)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)
    collected_by = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)
    collected_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    origin = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)


class UploadErrorSerializer(serializers.Serializer):
    name = serializers.CharField()
    message = serializers.CharField()


class UploadOutcomeSerializer(serializers.Serializer):
    stored = ItemSerializer(many=True)
    errors = UploadErrorSerializer(many=True)


class LinkRequestSerializer(serializers.Serializer):
    incident = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)
    source = serializers.UUIDField(required=False, allow_null=True, default=None)
    description = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)
    exhibit = serializers.CharField(required=False, allow_blank=True, default="", max_length=32)


class ItemReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=10_000)


class BundleRequestSerializer(serializers.Serializer):
    incidents = serializers.ListField(child=serializers.CharField(max_length=20), min_length=1, max_length=500,
                                      help_text="incident references (SV-...), each one the caller may see")
    purpose = serializers.ChoiceField(choices=["litigation", "partner"], default="litigation",
                                      help_text="what the bundle is for: it decides how protected persons appear")
    partner = serializers.CharField(max_length=200, required=False, default="", allow_blank=True,
                                    help_text="the partner the bundle is for (with purpose partner)")


def _messages(error: DjangoValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(m for messages in error.message_dict.values() for m in messages)
    return " ".join(error.messages)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _read_strings(value, reader):
    if isinstance(value, str):
        return reader(value)
    if isinstance(value, dict):
        return {k: _read_strings(v, reader) for k, v in value.items()}
    if isinstance(value, list):
        return [_read_strings(v, reader) for v in value]
    return value


class EvidenceItemViewSet(RecordViewSet):
    serializer_class = ItemSerializer
    queryset = EvidenceItem.objects.none()  # for the schema; requests use get_queryset()

    def get_queryset(self):
        items = visible_items(self.request.user).select_related("created_by").prefetch_related("links__incident", "links__source")
        if self.action == "list" and query_param(self.request, "incident"):
            items = items.filter(links__incident__reference=query_param(self.request, "incident"))
        return items.order_by("-created_at", "-id")

    def get_object(self):
        item = self.get_queryset().filter(uuid=self.kwargs["uuid"]).first()
        if item is None:
            raise Http404("No such evidence item")
        return item

    def _targets(self, data):
        incident = source = None
        if data.get("incident"):
            incident = visible_incidents(self.request.user).filter(reference=data["incident"].strip()).first()
            if incident is None:
                raise serializers.ValidationError({"incident": [_("No such incident.")]})
        if data.get("source"):
            source = Source.objects.filter(uuid=data["source"]).first()
            if source is None:
                raise serializers.ValidationError({"source": [_("No such source.")]})
        return incident, source

    @extend_schema(parameters=[OpenApiParameter("incident", str, description="only items cited in this incident (SV-...)")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses=ItemDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        """An item with its chain of custody; reading it is itself a custody event ("viewed")."""
        item = self.get_object()
        services.record_view(actor=request.user, item=item)
        data = ItemSerializer(item, context=self.get_serializer_context()).data
        entries = list(history(item))
        reader = freetext.reader_for(request)
        data["custody"] = CustodySerializer(entries, many=True).data
        if not reader.cleared:
            # The log keeps what was written; a reader without clearance reads its texts pseudonymized.
            reader.expect(t for e in data["custody"] for t in _strings(e["changes"]))
            for entry in data["custody"]:
                entry["changes"] = _read_strings(entry["changes"], reader)
        return Response(data)

    @extend_schema(request={"multipart/form-data": UploadSerializer},
                   responses={201: ItemSerializer(many=True), 400: UploadOutcomeSerializer})
    def create(self, request, *args, **kwargs):
        """Store one or more files (field ``files``, repeated). Each file is its own item: all stored
        answers 201 with the items; otherwise 400 with what was stored and why the rest was not."""
        require(request.user, "evidence.add")
        data = validated(UploadSerializer, request)
        incident, source = self._targets(data)
        errors = [{"name": services.safe_name(name), "message": _too_large()}
                  for name in getattr(request._request, "too_large_uploads", [])]
        files = data.get("files") or []
        if not files and not errors:
            raise serializers.ValidationError({"files": [_("Send at least one file.")]})
        stored = []
        for upload in files:
            try:
                stored.append(services.add_item(
                    actor=request.user, file=upload, name=upload.name, incident=incident, source=source,
                    description=data["description"], method=EvidenceItem.Method.API, collected_at=data["collected_at"],
                    collected_by=data["collected_by"], origin=data["origin"], claimed_type=upload.content_type or ""))
            except DjangoValidationError as error:
                errors.append({"name": services.safe_name(upload.name), "message": _messages(error)})
        order = {item.pk: index for index, item in enumerate(stored)}
        fresh = sorted(self.get_queryset().filter(pk__in=order), key=lambda item: order[item.pk])
        items = ItemSerializer(fresh, many=True, context=self.get_serializer_context()).data
        if errors:
            return Response({"stored": items, "errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        return Response(items, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "*/*"): OpenApiTypes.BINARY,  # the original's own type
                              410: OpenApiResponse(description="the original was erased (legal takedown)")})
    @action(detail=True, methods=["get"])
    def download(self, request, uuid=None):
        """The original, as an attachment (nosniff, sandboxed); each download is a custody event."""
        item = self.get_object()
        require(request.user, "evidence.download")
        if item.blob.purged_at is not None or item.status == EvidenceItem.Status.PURGED:
            return Response({"detail": _("The original was erased (legal takedown): %(reason)s") % {"reason": freetext.reader_for(request)(item.status_reason)}},
                            status=status.HTTP_410_GONE)
        try:
            response = serving.original_response(item)
        except FileNotFoundError:
            return Response({"detail": _("The original is missing from the evidence storage. Tell the administrator.")},
                            status=status.HTTP_503_SERVICE_UNAVAILABLE)
        services.record_download(actor=request.user, item=item)
        return response

    @extend_schema(request=BundleRequestSerializer,
                   responses={(200, "application/zip"): OpenApiTypes.BINARY,
                              400: OpenApiResponse(description="no incident named, or one the caller may not see"),
                              403: OpenApiResponse(description="the caller may not export court bundles")})
    @action(detail=False, methods=["post"], url_path="bundles")
    @limited_method("export")
    def bundles(self, request):
        """The court bundle of the incidents: their evidence (originals byte-exact), manifest, signed
        audit head with inclusion proofs, SHA256SUMS and a standalone verifier, as a ZIP attachment.
        Recorded as an export on every item and incident it carries."""
        require(request.user, "evidence.bundle")
        data = validated(BundleRequestSerializer, request)
        try:
            return bundle_response(actor=request.user, references=data["incidents"], purpose=data["purpose"],
                                   partner=data["partner"])
        except OSError:
            return Response({"detail": _("The court bundle could not be written on the server (disk full or not writable). "
                                         "Nothing was exported. Tell the administrator.")},
                            status=status.HTTP_503_SERVICE_UNAVAILABLE)

    @extend_schema(request=LinkRequestSerializer, responses={201: ItemSerializer})
    @action(detail=True, methods=["post"])
    def link(self, request, uuid=None):
        """Cite the item in one incident or one source, with what it shows and an exhibit number."""
        item = self.get_object()
        data = validated(LinkRequestSerializer, request)
        incident, source = self._targets(data)
        services.link_item(actor=request.user, item=item, incident=incident, source=source,
                           description=data["description"], exhibit=data["exhibit"])
        return self.read_back(item, status.HTTP_201_CREATED)

    @extend_schema(request=ItemReasonSerializer, responses=ItemSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, uuid=None):
        item = self.get_object()
        services.withdraw_item(actor=request.user, item=item, reason=validated(ItemReasonSerializer, request)["reason"])
        return self.read_back(item)

    @extend_schema(request=ItemReasonSerializer, responses=ItemSerializer)
    @action(detail=True, methods=["post"])
    def restore(self, request, uuid=None):
        item = self.get_object()
        services.restore_item(actor=request.user, item=item, reason=validated(ItemReasonSerializer, request)["reason"])
        return self.read_back(item)


def _too_large() -> str:
    return _("The file is larger than the limit of %(limit)s: nothing was stored.") % {
        "limit": services.human_size(storage.max_bytes())}

