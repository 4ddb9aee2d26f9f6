"""Permission-aware reads of evidence items. Every view, API endpoint and command reads through these.

Who sees an item follows where it is cited (``docs/permissions.md``): an item linked to an
incident the user can see (``incidents.queries.visible_incidents``) or to a source (sources are
read by every role), or one the user added; admins and coordinators see every item. Invisible
is 404.
"""

from django.db.models import Q
from django.http import Http404

from svidok.accounts import rules
from svidok.common.validation import is_uuid
from svidok.evidence.models import EvidenceItem
from svidok.incidents.queries import visible_incidents


def visible_items(user):
    role = rules.role_of(user)
    if role is None or not rules.can(user, "evidence.view"):
        return EvidenceItem.objects.none()
    items = EvidenceItem.objects.select_related("blob")
    if role in rules.LEADS:
        return items
    incidents = visible_incidents(user).values("pk")
    seen = Q(links__incident__in=incidents) | Q(created_by=user)
    if rules.can(user, "source.view"):  # not external counsel, who sees only the incidents of their cases
        seen |= Q(links__source__isnull=False)
    return items.filter(seen).distinct()


def get_item_for_user(user, item_id) -> EvidenceItem:
    if not is_uuid(str(item_id)):
        raise Http404("No such evidence item")
    item = visible_items(user).filter(uuid=item_id).first()
    if item is None:
        raise Http404("No such evidence item")
    return item


def items_of_incident(user, incident):
    """The items cited in ``incident`` that ``user`` may see, with their links, by exhibit number."""
    return visible_items(user).filter(links__incident=incident).prefetch_related("links")
