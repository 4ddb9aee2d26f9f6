"""Deduplication by linking: judging proposed pairs of person records, and undoing a judgement.

Nothing here deletes a record. "Same" points one record at the other (``Person.merged_into``), so
the canonical person's page can show every source record with what it held; "different" is kept
so the pair is never proposed again; "unsure" waits for a second look. Every judgement is audited
with the matcher that proposed the pair, its version, the score and the threshold, and can be
undone. No code path merges on a name alone: every link is a coordinator's verdict.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from svidok.accounts.rules import require
from svidok.audit.services import record
from svidok.people.models import PairJudgement, Person

MAX_CHAIN = 1000  # a longer merged_into chain means a broken database, not a deep merge


def canonical(person: Person) -> Person:
    """The record a person's record is (transitively) linked to; itself when not merged."""
    seen = {person.pk}
    current = Person.objects.get(pk=person.pk)  # the link as stored now, not as an older instance has it
    while current.merged_into_id is not None:
        if current.merged_into_id in seen or len(seen) > MAX_CHAIN:
            raise ValidationError({"merged_into": _("The merge links of this person form a cycle.")})
        seen.add(current.merged_into_id)
        current = Person.objects.get(pk=current.merged_into_id)
    return current


def source_records(person: Person) -> list[Person]:
    """Every record linked (directly or through others) to ``person``'s canonical record, itself first."""
    root = canonical(person)
    found, frontier = [root], [root.pk]
    while frontier:
        children = list(Person.objects.filter(merged_into_id__in=frontier).order_by("pk"))
        found += children
        frontier = [c.pk for c in children]
    return found


def standing_judgement(a: Person, b: Person) -> PairJudgement | None:
    left, right = sorted((a.pk, b.pk))
    return PairJudgement.objects.filter(left_id=left, right_id=right, undone_at__isnull=True).first()


def judged_different(a: Person, b: Person) -> bool:
    """Whether a standing "different" verdict separates the two records (or their canonical records)."""
    pairs = {tuple(sorted((a.pk, b.pk))), tuple(sorted((canonical(a).pk, canonical(b).pk)))}
    query = Q()
    for left, right in pairs:
        query |= Q(left_id=left, right_id=right)
    return PairJudgement.objects.filter(query, verdict=PairJudgement.Verdict.DIFFERENT, undone_at__isnull=True).exists()


@transaction.atomic
def judge_pair(*, actor, a: Person, b: Person, verdict: str, matcher: str = "", matcher_version: str = "",
               score: float | None = None, threshold: float | None = None, note: str = "",
               canonical_record: Person | None = None) -> PairJudgement:
    """Record a verdict on two person records; "same" links the non-canonical record to the canonical one.

    ``canonical_record`` (one of the two) stays the record others point to; by default the older
    of the two canonical records. Refused with a field-keyed ValidationError, nothing changed: a
    pair of one record with itself, records already linked to each other, a second standing verdict
    on the same pair, a "same" against a standing "different", protected persons (their identity
    is reviewed by leads record by record, not through name matching).
    """
    require(actor, "person.merge")
    if verdict not in PairJudgement.Verdict.values:
        raise ValidationError({"verdict": _("Unknown verdict %(verdict)r.") % {"verdict": verdict}})
    if a.pk == b.pk:
        raise ValidationError({"right": _("A person cannot be judged against the same record.")})
    a, b = (Person.objects.select_for_update().get(pk=p.pk) for p in (a, b))
    if a.protected or b.protected:
        raise ValidationError({"right": _("Protected persons are not deduplicated through name matching.")})
    if standing_judgement(a, b) is not None:
        raise ValidationError({"right": _("This pair already has a verdict; undo it first.")})
    root_a, root_b = canonical(a), canonical(b)
    if verdict == PairJudgement.Verdict.SAME:
        if root_a.pk == root_b.pk:
            raise ValidationError({"right": _("These records are already linked as the same person.")})
        if judged_different(a, b):
            raise ValidationError({"verdict": _("A standing verdict says these are different persons; undo it first.")})
    if canonical_record is not None and canonical_record.pk not in (a.pk, b.pk):
        raise ValidationError({"canonical": _("The canonical record must be one of the two.")})
    if score is not None and not 0 <= score <= 1:
        raise ValidationError({"score": _("A score is between 0 and 1.")})

    left, right = sorted((a, b), key=lambda p: p.pk)
    judgement = PairJudgement(
        left=left, right=right, verdict=verdict, matcher=matcher[:100], matcher_version=matcher_version[:50],
        score=score, threshold=threshold, note=note, decided_at=timezone.now(),
        decided_by=actor if getattr(actor, "pk", None) else None,
    )
    changes = {"verdict": verdict, "pair": [left.public_id, right.public_id], "matcher": matcher,
               "matcher_version": matcher_version, "score": score, "threshold": threshold}
    if verdict == PairJudgement.Verdict.SAME:
        # Link the two canonical records (so chains stay short and never loop): the chosen one, or the older.
        if canonical_record is not None:
            keep = canonical(canonical_record)
        else:
            keep = min((root_a, root_b), key=lambda p: p.pk)
        moved = root_b if keep.pk == root_a.pk else root_a
        Person.objects.filter(pk=moved.pk).update(merged_into=keep)
        judgement.canonical, judgement.linked = keep, moved
        changes |= {"canonical": keep.public_id, "linked": moved.public_id}
    judgement.save()
    for person in (left, right):
        record(actor=actor, action="link" if verdict == PairJudgement.Verdict.SAME else "update", obj=person,
               object_repr=person.audit_repr, changes={"pair_judgement": [None, changes]})
    return judgement


@transaction.atomic
def undo_judgement(*, actor, judgement: PairJudgement, note: str = "") -> PairJudgement:
    """Withdraw a verdict; for "same", the linked record points nowhere again (its own records return)."""
    require(actor, "person.merge")
    judgement = PairJudgement.objects.select_for_update().get(pk=judgement.pk)
    if judgement.undone_at is not None:
        raise ValidationError({"judgement": _("This verdict was already undone.")})
    if judgement.verdict == PairJudgement.Verdict.SAME and judgement.linked_id is not None:
        linked = Person.objects.select_for_update().get(pk=judgement.linked_id)
        if linked.merged_into_id != judgement.canonical_id:
            raise ValidationError({"judgement": _("The link this verdict made was changed since; undo the later verdict first.")})
        Person.objects.filter(pk=linked.pk).update(merged_into=None)
    judgement.undone_at = timezone.now()
    judgement.undone_by = actor if getattr(actor, "pk", None) else None
    if note:
        judgement.note = (judgement.note + "\n" if judgement.note else "") + note
    judgement.save(update_fields=["undone_at", "undone_by", "note"])
    changes = {"verdict": judgement.verdict, "pair": [judgement.left.public_id, judgement.right.public_id],
               "undone": True}
    for person in (judgement.left, judgement.right):
        record(actor=actor, action="unlink" if judgement.verdict == PairJudgement.Verdict.SAME else "update",
               obj=person, object_repr=person.audit_repr, changes={"pair_judgement": [changes, None]})
    return judgement
