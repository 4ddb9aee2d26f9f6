"""The coordinator's review of proposed duplicates: pairs side by side, verdicts, undo, a finder run.

Leads only (``person.merge``). Every verdict goes through ``duplicates.judge_candidate`` (which
calls ``merging.judge_pair`` with the matcher, version, score and threshold of the proposal) and
every undo through ``merging.undo_judgement``; nothing here writes a model.
"""

from __future__ import annotations

from collections import defaultdict

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from svidok.accounts import rules
from svidok.accounts.rules import require
from svidok.audit.models import AuditEntry
from svidok.common import extensions
from svidok.common.views import paginate
from svidok.names import matching
from svidok.people import duplicates, merging
from svidok.people.models import DuplicateCandidate, NameVariant, Occupancy, PairJudgement, Person, PersonIdentity
from svidok.people.queries import can_see_identity, get_person_for_user

PAGE_SIZE = 20
RECENT_VERDICTS = 30
MAX_DEPTH = 50  # merged_into chains are short (judge_pair links canonical records); this only bounds a broken one


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(choices=PairJudgement.Verdict.choices)
    note = forms.CharField(label=gettext_lazy("Note (optional)"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class UndoForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Why (optional)"), required=False, max_length=2000)


class RunForm(forms.Form):
    threshold = forms.FloatField(label=gettext_lazy("Threshold"), min_value=0.01, max_value=1.0,
                                 initial=matching.DEFAULT_THRESHOLD,
                                 help_text=gettext_lazy("Pairs scoring at least this much are proposed."))


# --- what each side of a pair shows ------------------------------------------------------------------

def _records_below(roots: list[int]) -> dict[int, list[int]]:
    """Each canonical record's linked records (any depth), by canonical pk."""
    below: dict[int, list[int]] = {pk: [] for pk in roots}
    frontier = {pk: pk for pk in roots}  # record -> its canonical record
    for _depth in range(MAX_DEPTH):
        if not frontier:
            break
        children = Person.objects.filter(merged_into_id__in=list(frontier)).values_list("pk", "merged_into_id")
        frontier = {pk: frontier[parent] for pk, parent in children}
        for pk, root in frontier.items():
            below[root].append(pk)
    return below


def person_sides(user, persons: list[Person]) -> dict[int, dict]:
    """For each person: every name variant (its linked records' too), birth dates unless
    protected, positions, the number of incidents ``user`` may see, the linked records. A fixed
    number of queries whatever the number of persons."""
    persons = list({p.pk: p for p in persons}.values())
    below = _records_below([p.pk for p in persons])
    owner = {pk: root for root, pks in below.items() for pk in [root, *pks]}
    everyone = list(owner)
    names: dict[int, list] = defaultdict(list)
    for variant in NameVariant.objects.filter(person_id__in=everyone, person__protected=False).order_by("-primary", "person_id", "id"):
        names[owner[variant.person_id]].append(variant)
    births: dict[int, set] = defaultdict(set)
    for identity in PersonIdentity.objects.filter(person_id__in=everyone, birth_date__isnull=False).only("person_id", "birth_date"):
        births[owner[identity.person_id]].add(identity.birth_date)
    posts: dict[int, list] = defaultdict(list)
    for occupancy in (Occupancy.objects.filter(person_id__in=everyone).select_related("position__organization")
                      .order_by("-start_date", "id")):
        posts[owner[occupancy.person_id]].append(occupancy)
    incidents: dict[int, int] = defaultdict(int)
    # The incidents app (above) answers how many incidents the user may see involve each record.
    for counts in extensions.ask("people.incident_counts", user, everyone):
        for pk, n in counts.items():
            incidents[owner[pk]] += n
    linked = defaultdict(list)
    for record in Person.objects.filter(pk__in=[pk for pks in below.values() for pk in pks]).order_by("pk"):
        linked[owner[record.pk]].append(record)
    return {
        p.pk: {
            "person": p,
            "names": names[p.pk],
            "birth_dates": sorted(births[p.pk]) if can_see_identity(user, p) and not p.protected else [],
            "occupancies": posts[p.pk],
            "incidents": incidents[p.pk],
            "linked": linked[p.pk],
        }
        for p in persons
    }


def _pair_url(a: Person, b: Person) -> str:
    left, right = sorted((a, b), key=lambda p: p.pk)
    return reverse("people:duplicate_pair", args=[left.uuid, right.uuid])


def _last_run():
    entry = (AuditEntry.objects.filter(object_type="people.duplicatecandidate", object_id="finder")
             .order_by("-id").first())
    if entry is None:
        return None
    figures = (entry.changes.get("finder_run") or [None, {}])[1] or {}
    return {"at": entry.created_at, "by": entry.actor_label, **figures}


# --- pages ---------------------------------------------------------------------------------------------

@login_required
def duplicate_list(request):
    """The open proposals, best first, each pair side by side with its verdict buttons; recent verdicts."""
    require(request.user, "person.merge")
    page = paginate(request, DuplicateCandidate.objects.select_related("left", "right").order_by("-score", "left_id", "right_id"),
                    per_page=PAGE_SIZE)
    candidates = list(page)
    sides = person_sides(request.user, [c.left for c in candidates] + [c.right for c in candidates])
    items = [{"candidate": c, "left": sides[c.left_id], "right": sides[c.right_id], "url": _pair_url(c.left, c.right),
              "form": VerdictForm(auto_id=f"c{n}-%s"), "ids": (f"pair-{n}-left", f"pair-{n}-right")}
             for n, c in enumerate(candidates)]
    verdicts = (PairJudgement.objects.select_related("left", "right", "decided_by", "undone_by", "canonical", "linked")
                .order_by("-decided_at", "-id")[:RECENT_VERDICTS])
    return render(request, "people/duplicates.html", {
        "page": page, "items": items, "verdicts": [_verdict_row(v) for v in verdicts], "run_form": RunForm(),
        "last_run": _last_run(), "undo_form": UndoForm(),
    })


def _verdict_row(judgement: PairJudgement) -> dict:
    return {"judgement": judgement, "url": _pair_url(judgement.left, judgement.right)}


@login_required
def duplicate_pair(request, left, right):
    """One pair side by side: its proposal (if open) with the verdict buttons, and every verdict
    ever given on it, the standing one with its undo button. POST: the verdict."""
    require(request.user, "person.merge")
    a, b = get_person_for_user(request.user, str(left)), get_person_for_user(request.user, str(right))
    if a.pk == b.pk:
        raise Http404("A pair is two records")
    a, b = sorted((a, b), key=lambda p: p.pk)
    candidate = DuplicateCandidate.objects.filter(left=a, right=b).first()
    form = VerdictForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        back = reverse("people:duplicates") if request.POST.get("next") == "list" else _pair_url(a, b)
        if form.is_valid():
            try:
                judgement = duplicates.judge_candidate(actor=request.user, a=a, b=b, verdict=form.cleaned_data["verdict"],
                                                       note=form.cleaned_data["note"])
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
                if request.POST.get("next") == "list":
                    return redirect(back)
                form.add_error(None, exc.messages)
                status = 400
            else:
                messages.success(request, _verdict_message(judgement))
                return redirect(back)
        else:
            status = 400
    sides = person_sides(request.user, [a, b])
    history = (PairJudgement.objects.filter(Q(left=a, right=b) | Q(left=b, right=a))
               .select_related("decided_by", "undone_by", "canonical", "linked").order_by("-decided_at", "-id"))
    return render(request, "people/duplicate_pair.html", {
        "left": sides[a.pk], "right": sides[b.pk], "candidate": candidate, "form": form, "history": history,
        "undo_form": UndoForm(), "url": _pair_url(a, b),
    }, status=status)


def _verdict_message(judgement: PairJudgement) -> str:
    if judgement.verdict == PairJudgement.Verdict.SAME:
        return _("Linked: %(linked)s is now shown as %(canonical)s.") % {
            "linked": judgement.linked.display_name, "canonical": judgement.canonical.display_name}
    if judgement.verdict == PairJudgement.Verdict.DIFFERENT:
        return _("Recorded as different persons: the pair will not be proposed again.")
    return _("Recorded as unsure: the pair waits among the verdicts for a second look.")


@login_required
@require_POST
def duplicate_undo(request, uuid):
    """Withdraw a verdict (``merging.undo_judgement``): a "same" link is removed, a "different"
    no longer keeps the pair from being proposed."""
    require(request.user, "person.merge")
    judgement = PairJudgement.objects.select_related("left", "right").filter(uuid=uuid).first()
    if judgement is None:
        raise Http404("No such verdict")
    form = UndoForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        merging.undo_judgement(actor=request.user, judgement=judgement, note=note)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Verdict undone."))
    return redirect(reverse("people:duplicates") if request.POST.get("next") == "list"
                    else _pair_url(judgement.left, judgement.right))


@login_required
@require_POST
def duplicate_run(request):
    """Run the finder now (``duplicates.run_finder``): the open proposals are replaced."""
    require(request.user, "person.merge")
    form = RunForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for message in errors:
                messages.error(request, f"{form.fields[field].label}: {message}" if field in form.fields else message)
        return redirect("people:duplicates")
    run = duplicates.run_finder(actor=request.user, threshold=form.cleaned_data["threshold"])
    messages.success(request, _("The finder proposed %(count)d pair(s) at threshold %(threshold)s.")
                     % {"count": len(run.candidates), "threshold": run.threshold})
    return redirect("people:duplicates")


def linked_verdicts(user, records: list[Person]) -> list[dict]:
    """For a person's page: each linked record with the standing "same" verdict that linked it,
    and for leads (who may see the pair page) the link to it."""
    pks = [r.pk for r in records]
    may = rules.can(user, "person.merge")
    verdicts = {j.linked_id: j for j in PairJudgement.objects.filter(
        linked_id__in=pks, verdict=PairJudgement.Verdict.SAME, undone_at__isnull=True).select_related("left", "right")}
    return [{"record": r, "verdict": verdicts.get(r.pk),
             "url": _pair_url(verdicts[r.pk].left, verdicts[r.pk].right) if may and r.pk in verdicts else None}
            for r in records]
