"""Labels for the keys that appear in analysis reports (flags, weights), in the active language."""

from django import template
from django.utils.translation import gettext_lazy as _

from svidok.forensics.parsing import FLAGS

register = template.Library()

WEIGHTS = {
    "registered": _("by registered voters"),
    "ballots": _("by ballots cast"),
    "leader_votes": _("by the leader's votes"),
}


@register.filter
def flag_label(flag: str) -> str:
    return FLAGS.get(flag, flag)


@register.filter
def weight_label(weight: str) -> str:
    return WEIGHTS.get(weight, weight)


@register.filter
def region_name(region: str) -> str:
    """A region as a results file writes it, in the reader's language (``data/elections/regions.csv``)."""
    from svidok.forensics.regions import region_label

    return region_label(region)
