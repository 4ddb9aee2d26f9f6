"""API helpers: service errors become 400/403 with field errors, never a 500; the shared viewset shape."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django_ratelimit.exceptions import Ratelimited
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from svidok.common.pagination import CappedPaginator

# The canonical form only: 36 hyphens or zeros would route, then fail as a UUID (a 400, not a 404).
UUID_RE = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


def exception_handler(exc, context):
    if isinstance(exc, Ratelimited):  # a PermissionDenied: before the branch below (svidok.common.ratelimits)
        exc = exceptions.Throttled(detail=_("Too many requests: you have searched or exported more often than this "
                                            "installation allows in a short time. Wait a few minutes, then try again."))
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages})
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    return drf_exception_handler(exc, context)


class Pagination(PageNumberPagination):
    # ``count`` stops at COUNT_CAP + 1 (see CappedPaginator); clients page on ``next``.
    django_paginator_class = CappedPaginator
    page_size_query_param = "page_size"
    max_page_size = 500


def validated(serializer_class, request, *, partial: bool = False) -> dict:
    """``request.data`` checked by ``serializer_class``; bad input is the usual 400 with field errors."""
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


# List and read records by UUID, a page at a time; subclasses add their writes. (A comment, not a
# docstring: drf-spectacular would show it as the description of every subclass without its own.)
class RecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_field = "uuid"
    lookup_value_regex = UUID_RE
    pagination_class = Pagination

    def read_back(self, instance, status_code=status.HTTP_200_OK):
        """``instance`` as the caller sees it after a write, read again through ``get_queryset()``."""
        return Response(self.get_serializer(self.get_queryset().get(pk=instance.pk)).data, status=status_code)


class NotFoundView(APIView):
    """Any other address under ``/api/``: a JSON 404 like the API's own, not the HTML page of the
    site (an identifier of the wrong form, ``/persons/not-a-uuid/``, is just not found)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    schema = None  # not an operation of the API

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound()


def query_param(request, name: str) -> str:
    """The query parameter ``name``, stripped ("" when absent); a NUL in it is a 400 naming it
    (PostgreSQL refuses a NUL in a query with an error, a 500, where SQLite finds nothing)."""
    value = (request.query_params.get(name) or "").strip()
    if "\x00" in value:
        raise exceptions.ValidationError({name: [_("Null characters are not allowed.")]})
    return value
