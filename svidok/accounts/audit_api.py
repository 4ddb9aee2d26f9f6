"""``/api/v1/audit/``: the tamper-evident audit log (docs/audit-log.md).

    GET  head/                         the last signed tree head (audit.verify)
    POST head/                         sign a new head over the whole log (audit.sign)
    GET  proof/<entry id>/?size=N      inclusion proof of an audit entry (audit.verify)
    GET  consistency/?from=N&to=M      consistency proof between two tree sizes (audit.verify)
    POST verify/                       recompute the whole log and check every head (audit.verify)
    GET  keys/                         every public key that signs or signed heads (no sign-in)
    GET  keys/<key id>.pem             one public key, SubjectPublicKeyInfo PEM (no sign-in)
"""

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from svidok.accounts import audit_log as services
from svidok.audit import log
from svidok.audit.log import LogError

HEX_LIST = serializers.ListField(child=serializers.CharField())

HeadSerializer = inline_serializer("SignedTreeHead", {
    "tree_size": serializers.IntegerField(help_text="number of leaves (audit entries) covered"),
    "root_hash": serializers.CharField(help_text="RFC 9162 MTH of the first tree_size leaves, hex"),
    "timestamp": serializers.CharField(help_text="RFC 3339, UTC"),
    "key_id": serializers.CharField(help_text="hex SHA-256 of the raw Ed25519 public key"),
    "signature": serializers.CharField(help_text="base64 Ed25519 signature over the canonical JSON of the other fields"),
})
InclusionSerializer = inline_serializer("InclusionProof", {
    "leaf_index": serializers.IntegerField(),
    "tree_size": serializers.IntegerField(),
    "entry": serializers.CharField(allow_null=True, help_text="base64 of the entry bytes (canonical JSON, UTF-8); "
                                   "null when withheld from this caller"),
    "leaf_hash": serializers.CharField(required=False, help_text="only when withheld: SHA-256(0x00 || entry bytes), hex"),
    "withheld": serializers.CharField(required=False, help_text="only when withheld: why the caller may not read the entry"),
    "audit_path": HEX_LIST,
})
ConsistencySerializer = inline_serializer("ConsistencyProof", {
    "size1": serializers.IntegerField(), "size2": serializers.IntegerField(),
    "root1": serializers.CharField(), "root2": serializers.CharField(), "proof": HEX_LIST,
})
ReportSerializer = inline_serializer("AuditVerification", {
    "ok": serializers.BooleanField(), "tree_size": serializers.IntegerField(),
    "heads_checked": serializers.IntegerField(), "timestamps_checked": serializers.IntegerField(),
    "problems": serializers.ListField(child=serializers.CharField()),
    "first_bad_entry": serializers.IntegerField(allow_null=True),
})
KeysSerializer = inline_serializer("AuditPublicKeys", {
    "keys": inline_serializer("AuditPublicKey", {
        "key_id": serializers.CharField(), "pem": serializers.CharField(), "current": serializers.BooleanField(),
    }, many=True),
})


class SizeParams(serializers.Serializer):
    size = serializers.IntegerField(required=False, min_value=0)


class ConsistencyParams(serializers.Serializer):
    # "from" is a Python keyword: the fields are declared under their query names below.
    pass


ConsistencyParams._declared_fields.update({"from": serializers.IntegerField(min_value=0),
                                           "to": serializers.IntegerField(required=False, min_value=0)})


def _params(serializer_class, request) -> dict:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _answer(call):
    try:
        return Response(call())
    except LogError as exc:
        raise ValidationError({"detail": str(exc)}) from None


class HeadView(APIView):
    @extend_schema(summary="The last signed tree head", responses={200: HeadSerializer, 404: OpenApiResponse(
        description="no head was signed yet")})
    def get(self, request):
        head = services.get_head(actor=request.user)
        if head is None:
            raise NotFound(_("No tree head has been signed yet."))
        return Response(head)

    @extend_schema(summary="Sign a new tree head over the whole log", request=None, responses={201: HeadSerializer})
    def post(self, request):
        return Response(services.issue_head(actor=request.user), status=201)


class ProofView(APIView):
    @extend_schema(summary="Inclusion proof of an audit entry (RFC 9162 §2.1.3)",
                   parameters=[OpenApiParameter("size", int, description="tree size (default: the whole log)")],
                   responses={200: InclusionSerializer})
    def get(self, request, entry_id: int):
        size = _params(SizeParams, request).get("size")
        return _answer(lambda: services.prove_inclusion(actor=request.user, entry_id=entry_id, tree_size=size))


class ConsistencyView(APIView):
    @extend_schema(summary="Consistency proof between two tree sizes (RFC 9162 §2.1.4)",
                   parameters=[OpenApiParameter("from", int, required=True),
                               OpenApiParameter("to", int, description="default: the whole log")],
                   responses={200: ConsistencySerializer})
    def get(self, request):
        params = _params(ConsistencyParams, request)
        return _answer(lambda: services.prove_consistency(actor=request.user, size1=params["from"],
                                                          size2=params.get("to")))


class VerifyView(APIView):
    @extend_schema(summary="Recompute the whole log and check every signed head", request=None,
                   responses={200: ReportSerializer})
    def post(self, request):
        return Response(services.verify_log(actor=request.user).as_dict())


class KeysView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(summary="Public keys of the audit log (no sign-in)", auth=[], responses={200: KeysSerializer})
    def get(self, request):
        return Response({"keys": log.public_keys()})


class KeyPemView(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(summary="One public key of the audit log as PEM (no sign-in)", auth=[],
                   responses={(200, "application/x-pem-file"): OpenApiTypes.STR})
    def get(self, request, key_id: str):
        try:
            pem = log.public_key_pem(key_id)
        except LogError:
            raise Http404 from None
        return HttpResponse(pem, content_type="application/x-pem-file")
