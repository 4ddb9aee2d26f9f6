"""The search interface every caller uses (UI, API, CLI). Backends live behind it.

(Stub until the transliteration-aware index lands: plain case-insensitive containment.)
"""

from django.db.models import Q

OBJECT_TYPES = ("incident", "person", "organization", "place")


def matching_ids(object_type: str, q: str):
    """Ids of ``object_type`` records whose names or text match ``q`` in any spelling.

    Returns a queryset of primary keys, usable as ``filter(pk__in=matching_ids(...))``.
    """
    from svidok.incidents.models import Incident, Place
    from svidok.people.models import Organization, Person

    q = (q or "").strip()
    if object_type == "incident":
        return Incident.objects.filter(Q(title__icontains=q) | Q(narrative__icontains=q) | Q(reference__iexact=q)).values("pk")
    if object_type == "person":
        return Person.objects.filter(display_name__icontains=q).values("pk")
    if object_type == "organization":
        return Organization.objects.filter(name__icontains=q).values("pk")
    if object_type == "place":
        return Place.objects.filter(Q(name_uk__icontains=q) | Q(name_ru__icontains=q) | Q(name_latin__icontains=q)).values("pk")
    raise ValueError(object_type)
