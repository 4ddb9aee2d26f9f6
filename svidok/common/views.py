"""Small helpers for the server-rendered pages (pretalx ``common/views/helpers.py`` in spirit)."""

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers

from svidok.common.pagination import CappedPaginator, rows_in_order

PAGE_SIZE = 50


def paginate(request, queryset, per_page: int = PAGE_SIZE, *, rows=None, count_cap: int | None = None):
    """One page of ``queryset``; a bad or out-of-range ``page`` falls back to the nearest page.
    The count stops past ``count_cap`` (``CappedPaginator.COUNT_CAP`` unless told).

    With ``rows(ids)``, the page's primary keys are read first (``queryset`` filtered and sorted,
    without its joins and columns), then ``rows`` fetches those records: the database counts and
    sorts narrow rows, which an index can cover, and joins only the page's rows. ``queryset``'s
    ``select_related`` does not matter then; ``rows`` says what a record carries. With ``rows``,
    ``queryset`` may also be the list of ids itself, in order.
    """
    if rows is None:
        return CappedPaginator(queryset, per_page, count_cap=count_cap).get_page(request.GET.get("page"))
    ids = queryset if isinstance(queryset, list) else queryset.values_list("pk", flat=True)
    page = CappedPaginator(ids, per_page, count_cap=count_cap).get_page(request.GET.get("page"))
    page.object_list = rows_in_order(page.object_list, rows)
    return page


def render_htmx(request, full_template: str, partial_template: str, context: dict, status: int = 200):
    """The whole page, or only ``partial_template`` when htmx swaps a fragment in."""
    template = partial_template if getattr(request, "htmx", False) else full_template
    response = render(request, template, context, status=status)
    # The same URL answers with a page or a fragment: caches and the back button must tell them apart.
    patch_vary_headers(response, ("HX-Request",))
    return response


def add_service_errors(form, error: ValidationError, field_map: dict | None = None) -> None:
    """Put a service's field-keyed ValidationError on ``form``, naming the form's own fields.

    Service field names that the form does not have (or maps elsewhere) become non-field errors,
    so no message is ever lost.
    """
    field_map = field_map or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, field_messages in error.message_dict.items():
        target = field_map.get(field, field)
        if target == NON_FIELD_ERRORS or target not in form.fields:
            form.add_error(None, [f"{m}" for m in field_messages])
        else:
            form.add_error(target, field_messages)


def submit_form(request, form, *, save, saved, page, field_map: dict | None = None):
    """The create/edit flow once permissions are checked and ``form`` is bound.

    On a POST with a valid ``form``, ``save()`` calls the service; its result goes to ``saved(result)``,
    which gives the success message and the URL to redirect to. A service ``ValidationError`` lands on
    the form (``add_service_errors`` with ``field_map``) and, like an invalid form, ``page(400)`` shows the
    form again; a GET shows ``page(200)``.
    """
    if request.method == "POST" and form.is_valid():
        try:
            result = save()
        except ValidationError as exc:
            add_service_errors(form, exc, field_map)
        else:
            message, url = saved(result)
            messages.success(request, message)
            return redirect(url)
    return page(400 if request.method == "POST" else 200)
