"""The vocabularies on the web: every role that may read them sees their terms; coordinators and
administrators add terms, rename them in the working languages, deactivate and reorder them without
the Django admin (issue 13, item 5). A term is never deleted: records and the audit log name it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from svidok.accounts import rules
from svidok.accounts.rules import require
from svidok.common.views import add_service_errors
from svidok.incidents import services
from svidok.incidents.bulk_forms import NewTermForm, TermForm
from svidok.incidents.models import Term, Vocabulary


@login_required
def vocabulary_list(request):
    require(request.user, "vocabulary.view")
    vocabularies = Vocabulary.objects.annotate(
        active_terms=Count("terms", filter=Q(terms__active=True)), inactive_terms=Count("terms", filter=Q(terms__active=False)))
    return render(request, "incidents/vocabulary_list.html", {"vocabularies": vocabularies})


def _vocabulary(code: str) -> Vocabulary:
    return get_object_or_404(Vocabulary, code=code)


def _page(request, vocabulary, *, new_form=None, editing=None, edit_form=None, status=200):
    can_edit = rules.can(request.user, "vocabulary.edit")
    terms = list(vocabulary.terms.order_by("order", "code"))
    rows = []
    for index, term_obj in enumerate(terms):
        form = edit_form if editing is not None and term_obj.pk == editing.pk else None
        if form is None and can_edit:
            form = TermForm(initial={f"label_{lang}": getattr(term_obj, f"label_{lang}") for lang in services.TERM_LANGS},
                            prefix=f"t{index}")
        rows.append({"term": term_obj, "form": form, "open": form is edit_form and edit_form is not None,
                     "first": index == 0, "last": index == len(terms) - 1})
    context = {"vocabulary": vocabulary, "rows": rows, "can_edit": can_edit,
               "new_form": new_form or (NewTermForm(prefix="new") if can_edit else None)}
    return render(request, "incidents/vocabulary_detail.html", context, status=status)


@login_required
def vocabulary_detail(request, code):
    require(request.user, "vocabulary.view")
    return _page(request, _vocabulary(code))


def _url(vocabulary) -> str:
    return reverse("incidents:vocabulary_detail", args=[vocabulary.code])


@login_required
@require_POST
def vocabulary_term_add(request, code):
    require(request.user, "vocabulary.edit")
    vocabulary = _vocabulary(code)
    form = NewTermForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            term_obj = services.add_term(actor=request.user, vocabulary=vocabulary, labels=form.labels(),
                                         description=form.cleaned_data["description"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Term “%(label)s” added.") % {"label": term_obj.label})
            return redirect(_url(vocabulary))
    return _page(request, vocabulary, new_form=form, status=400)


@login_required
@require_POST
def vocabulary_term_change(request, code):
    """Rename, deactivate, reactivate or move one term (``term``, its code, in the form)."""
    require(request.user, "vocabulary.edit")
    vocabulary = _vocabulary(code)
    term_obj = Term.objects.filter(vocabulary=vocabulary, code=request.POST.get("term", "")).first()
    if term_obj is None:
        raise Http404("No such term")
    change = request.POST.get("change")
    try:
        if change == "rename":
            index = list(vocabulary.terms.order_by("order", "code").values_list("pk", flat=True)).index(term_obj.pk)
            form = TermForm(request.POST, prefix=f"t{index}")
            if not form.is_valid():
                return _page(request, vocabulary, editing=term_obj, edit_form=form, status=400)
            try:
                services.rename_term(actor=request.user, term_obj=term_obj, labels=form.labels())
            except ValidationError as exc:
                add_service_errors(form, exc)
                return _page(request, vocabulary, editing=term_obj, edit_form=form, status=400)
            message = _("Term “%(label)s” renamed.")
        elif change in ("deactivate", "activate"):
            services.set_term_active(actor=request.user, term_obj=term_obj, active=change == "activate")
            message = _("Term “%(label)s” is offered again.") if change == "activate" else _(
                "Term “%(label)s” is no longer offered; records that use it keep it.")
        elif change in ("up", "down"):
            services.move_term(actor=request.user, term_obj=term_obj, by=-1 if change == "up" else 1)
            message = _("Term “%(label)s” moved.")
        else:
            return _page(request, vocabulary, status=400)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return redirect(_url(vocabulary))
    term_obj.refresh_from_db()
    messages.success(request, message % {"label": term_obj.label})
    return redirect(_url(vocabulary) + f"#term-{term_obj.code}")
