"""``/api/v1/captures/``: ask for a web page to be captured (queued for the worker), list the
captures the caller may see, read one with its status in words and the items it stored.

A capture is visible to whoever may see evidence and sees its incident; one without an incident
to whoever asked for it and to leads. The write is ``capture.request_capture``, as on the page and
at the command line.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status

from svidok.accounts import rules
from svidok.accounts.rules import require
from svidok.common.api import RecordViewSet, validated
from svidok.evidence.capture import reason_text, request_capture
from svidok.evidence.models import Capture
from svidok.incidents.models import Source
from svidok.incidents.queries import visible_incidents


class CaptureItemSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="uuid")
    name = serializers.CharField(source="original_name")
    sha256 = serializers.CharField(source="blob.sha256")
    size = serializers.IntegerField(source="blob.size")
    media_type = serializers.CharField(source="blob.media_type")


class CaptureSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="uuid", read_only=True)
    incident = serializers.CharField(source="incident.reference", default=None)
    source = serializers.UUIDField(source="source.uuid", default=None)
    requested_by = serializers.CharField(source="requested_by.username")
    status_label = serializers.CharField(source="get_status_display")
    reason = serializers.SerializerMethodField()
    notes = serializers.SerializerMethodField()
    items = CaptureItemSerializer(many=True)

    class Meta:
        model = Capture
        fields = ["id", "url", "incident", "source", "requested_by", "status", "status_label", "reason", "notes",
                  "final_url", "http_status", "items", "created_at", "started_at", "finished_at"]

    def get_reason(self, capture) -> str | None:
        return reason_text(capture.reason) or None

    def get_notes(self, capture) -> list[str]:
        return [reason_text(note) for note in capture.notes]


class CaptureRequestSerializer(serializers.Serializer):
    url = serializers.CharField(max_length=2000)
    incident = serializers.CharField(required=False, allow_blank=True, help_text="link the captured files to this incident (SV-...)")
    source = serializers.UUIDField(required=False, allow_null=True, help_text="or to this source")


def visible_captures(user):
    if not rules.can(user, "evidence.view"):
        return Capture.objects.none()
    captures = Capture.objects.select_related("incident", "source", "requested_by").prefetch_related("items__blob")
    if rules.role_of(user) in rules.LEADS:
        return captures
    return captures.filter(incident__in=visible_incidents(user).values("pk")) | captures.filter(requested_by=user)


class CaptureViewSet(RecordViewSet):
    serializer_class = CaptureSerializer
    queryset = Capture.objects.none()  # for the schema; requests use get_queryset()

    def get_queryset(self):
        return visible_captures(self.request.user).order_by("-created_at", "-id")

    def get_object(self):
        capture = self.get_queryset().filter(uuid=self.kwargs["uuid"]).first()
        if capture is None:
            raise Http404("No such capture")
        return capture

    @extend_schema(request=CaptureRequestSerializer, responses={202: CaptureSerializer})
    def create(self, request, *args, **kwargs):
        """Queue a capture of a web page: a WARC of the page and its direct resources, a screenshot
        and a PDF, stored as evidence. Answers 202; read the capture again for its status."""
        require(request.user, "evidence.add")
        data = validated(CaptureRequestSerializer, request)
        incident = source = None
        if data.get("incident"):
            incident = visible_incidents(request.user).filter(reference=data["incident"].strip()).first()
            if incident is None:
                raise serializers.ValidationError({"incident": [_("No such incident.")]})
        if data.get("source"):
            source = Source.objects.filter(uuid=data["source"]).first()
            if source is None:
                raise serializers.ValidationError({"source": [_("No such source.")]})
        capture = request_capture(actor=request.user, url=data["url"], incident=incident, source=source)
        return self.read_back(capture, status.HTTP_202_ACCEPTED)
