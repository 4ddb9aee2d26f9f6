"""The claim tester: what a claim about an election implies, set against the official protocols.

A claim is a number somebody published ("real turnout in Crimea did not exceed 30%", "not more
than 10% among Crimean Tatars", "8% of ballots were spoiled"); in Svidok it is an
:class:`~svidok.incidents.models.ElectionFigure` that is not official, with its source. The tester
does not say whether a claim is true. It computes what the claim would mean in the official
numbers (how many of the issued ballots would be fictitious, where), puts beside it what the
protocols themselves show, and says what the statistical methods can and cannot see.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from django.utils.translation import gettext_lazy as _

from svidok.forensics.arrays import Precincts

METRICS = ("turnout", "leader_share", "invalid_share")
COMPARATORS = ("le", "eq", "approx", "ge")

# What the methods can and cannot detect: stated with every claim test (see docs/forensics.md).
CAN_DETECT = (
    _("precincts whose turnout and leader share are inflated relative to a clean core of the same "
      "territory (Shpilkin's estimate, the turnout × leader-share fingerprint, the Klimek model)"),
    _("numbers written in by hand to round percentages (the integer-percentage test)"),
    _("a change at the same precincts between two elections (same-precinct comparison)"),
)
CANNOT_DETECT = (
    _("padding spread evenly across a whole region: if every precinct's turnout was raised by the same "
      "amount, the distributions keep their shape and every method above sees a clean election"),
    _("who voted: the protocols carry no ethnicity, so a claim about one group (such as Crimean Tatars) "
      "can only be tested through its share of the electorate, given from outside the data"),
    _("ballots that were issued to real voters under pressure: coercion raises real turnout, which the "
      "numbers cannot tell from voluntary turnout"),
)


class ClaimError(ValueError):
    """The claim cannot be tested as stated (field named in ``field``)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        # The web form shows ``message`` alone (next to its field): the field's code is for the command line.
        self.field, self.message = field, message


@dataclass(frozen=True)
class Claim:
    metric: str               # turnout, leader_share or invalid_share
    comparator: str           # le, eq, approx, ge
    value: float              # percent
    group: str = ""           # a population group ("Crimean Tatars"); empty for the whole electorate
    group_share: float | None = None  # the group's share of registered voters, percent (from outside the data)

    def check(self) -> None:
        if self.metric not in METRICS:
            raise ClaimError("metric", f"{self.metric!r} cannot be tested; use one of {', '.join(METRICS)}.")
        if self.comparator not in COMPARATORS:
            raise ClaimError("comparator", f"{self.comparator!r} is not one of {', '.join(COMPARATORS)}.")
        if not 0 <= self.value <= 100:
            raise ClaimError("value", f"{self.value} is not a percentage between 0 and 100.")
        if self.group_share is not None and not 0 < self.group_share < 100:
            raise ClaimError("group_share", f"{self.group_share} is not a share strictly between 0 and 100%.")


def _pct(num, den) -> float | None:
    return None if not den else round(100.0 * float(num) / float(den), 2)


def _positive_pct(num, den) -> float:
    """A share of something the claim adds; 0 when it adds nothing or there is nothing to share."""
    return max(0.0, _pct(num, den) or 0.0)


def _official(p: Precincts) -> dict:
    registered, issued, cast = int(p.registered.sum()), int(p.issued.sum()), int(p.cast.sum())
    invalid, leader = int(p.invalid.sum()), int(p.leader_votes.sum())
    return {
        "precincts": len(p),
        "registered": registered,
        "ballots_issued": issued,
        "ballots_cast": cast,
        "invalid": invalid,
        "leader": p.leader_name,
        "leader_votes": leader,
        "turnout": _pct(issued, registered),
        "leader_share": _pct(leader, cast),
        "invalid_share": _pct(invalid, cast),
    }


def _by_tik(p: Precincts, fictitious: np.ndarray, denominator: np.ndarray, limit: int) -> list[dict]:
    """Implied fictitious ballots per territorial commission, largest first."""
    keys = np.array([f"{r}\x1f{t}" for r, t in zip(p.region, p.tik, strict=True)], dtype=object)
    names, inverse = np.unique(keys, return_inverse=True)
    fict = np.bincount(inverse, weights=fictitious, minlength=len(names))
    den = np.bincount(inverse, weights=denominator, minlength=len(names))
    reg = np.bincount(inverse, weights=p.registered, minlength=len(names))
    iss = np.bincount(inverse, weights=p.issued, minlength=len(names))
    count = np.bincount(inverse, minlength=len(names))
    order = np.argsort(-fict, kind="stable")[:limit]
    rows = []
    for i in order:
        region, tik = names[i].split("\x1f")
        rows.append({
            "region": region, "tik": tik, "precincts": int(count[i]),
            "registered": int(reg[i]), "ballots_issued": int(iss[i]), "turnout": _pct(iss[i], reg[i]),
            "fictitious": int(round(fict[i])), "share": _pct(fict[i], den[i]),
        })
    return rows


def _by_precinct(p: Precincts, fictitious: np.ndarray, denominator: np.ndarray, limit: int | None) -> list[dict]:
    """Implied fictitious ballots per precinct, largest first (``limit`` None: every precinct)."""
    order = np.argsort(-fictitious, kind="stable")
    if limit is not None:
        order = order[:limit]
    turnout = 100.0 * p.issued / np.maximum(p.registered, 1)
    return [{
        "region": p.region[i], "tik": p.tik[i], "uik": p.uik[i],
        "registered": int(p.registered[i]), "ballots_issued": int(p.issued[i]), "turnout": round(float(turnout[i]), 2),
        "fictitious": int(round(fictitious[i])), "share": _pct(fictitious[i], denominator[i]),
    } for i in order]


def precinct_table(p: Precincts, claim: Claim) -> list[dict]:
    """Every precinct's implied fictitious ballots (turnout) or excess leader votes (leader's share),
    for a full download; empty for claims that are not about numbers per precinct."""
    claim.check()
    x = claim.value / 100.0
    # Whole ballots, as in evaluate_claim, so the download adds up to the figures on the page.
    if claim.metric == "turnout" and not claim.group:
        return _by_precinct(p, np.rint(np.clip(p.issued - x * p.registered, 0, None)), p.issued, None)
    if claim.metric == "leader_share" and not claim.group:
        return _by_precinct(p, np.rint(np.clip(p.leader_votes - x * p.cast, 0, None)), p.cast, None)
    return []


def evaluate_claim(p: Precincts, claim: Claim, *, baseline_change: dict | None = None, tik_limit: int = 30,
                   precinct_limit: int = 30) -> dict:
    """What ``claim`` implies for the precincts ``p`` (one region, a commission or the whole file).

    ``baseline_change`` is the output of ``stats.same_precinct`` for the same territory against an
    other vote (usually an earlier one), shown as evidence when given. Returns a JSON-ready dict (documented in
    docs/forensics.md).
    """
    claim.check()
    if len(p) == 0:
        raise ClaimError("scope", _("No precincts to test the claim against."))
    official = _official(p)
    x = claim.value / 100.0
    result: dict = {
        "claim": {"metric": claim.metric, "comparator": claim.comparator, "value": claim.value,
                  "group": claim.group, "group_share": claim.group_share},
        "official": official,
        "testable": True,
        "consistent": None,
        "implied": {},
        "by_tik": [],
        "by_precinct": [],
        "evidence": {"invalid_share": official["invalid_share"]},
        # In the active language (English at the command line and in the API without Accept-Language).
        "can_detect": [str(x) for x in CAN_DETECT],
        "cannot_detect": [str(x) for x in CANNOT_DETECT],
    }
    turnout = 100.0 * p.issued / np.maximum(p.registered, 1)
    if claim.group and claim.metric != "turnout":
        wording = {"leader_share": _("a leader share"), "invalid_share": _("an invalid share")}[claim.metric]
        result.update(testable=False, reason=str(_(
            "The protocols do not record who voted or how, so %(what)s among %(group)s cannot be read from "
            "them; only a turnout claim about a group can be set against the protocols, through the group's share "
            "of voters.") % {"what": wording, "group": claim.group}))
    elif claim.metric == "turnout" and claim.group:
        result.update(_group_turnout(official, claim))
    elif claim.metric == "turnout":
        total = official["ballots_issued"] - x * official["registered"]
        # Whole ballots per precinct, so that the commissions' rows add up to the total exactly.
        per_precinct = np.rint(np.clip(p.issued - x * p.registered, 0, None))
        result["consistent"] = _consistent(claim, official["turnout"])
        result["implied"] = {
            "real_ballots": int(round(x * official["registered"])),
            "fictitious_ballots": max(0, int(round(total))),
            "fictitious_share_of_issued": _positive_pct(total, official["ballots_issued"]),
            # If every precinct's real turnout were the claimed one: the precincts already below it add nothing.
            "fictitious_uniform": int(round(per_precinct.sum())),
            "precincts_at_or_below": int((turnout <= claim.value + 1e-9).sum()),
            "registered_at_or_below": int(p.registered[turnout <= claim.value + 1e-9].sum()),
        }
        result["by_tik"] = _by_tik(p, per_precinct, p.issued, tik_limit)
        result["by_precinct"] = _by_precinct(p, per_precinct, p.issued, precinct_limit)
    elif claim.metric == "leader_share":
        total = official["leader_votes"] - x * official["ballots_cast"]
        share = 100.0 * p.leader_votes / np.maximum(p.cast, 1)
        per_precinct = np.rint(np.clip(p.leader_votes - x * p.cast, 0, None))
        result["consistent"] = _consistent(claim, official["leader_share"])
        result["implied"] = {
            "real_leader_votes": int(round(x * official["ballots_cast"])),
            "excess_leader_votes": max(0, int(round(total))),
            "excess_share_of_cast": _positive_pct(total, official["ballots_cast"]),
            "excess_uniform": int(round(per_precinct.sum())),
            "precincts_at_or_below": int((share <= claim.value + 1e-9).sum()),
        }
        result["by_tik"] = _by_tik(p, per_precinct, p.cast, tik_limit)
        result["by_precinct"] = _by_precinct(p, per_precinct, p.cast, precinct_limit)
    else:  # invalid_share
        claimed = x * official["ballots_cast"]
        share = 100.0 * p.invalid / np.maximum(p.cast, 1)
        result["consistent"] = _consistent(claim, official["invalid_share"])
        result["implied"] = {
            "claimed_invalid": int(round(claimed)),
            "official_invalid": official["invalid"],
            # Ballots the claim says were spoiled but the protocols count as valid votes.
            "invalid_counted_as_valid": max(0, int(round(claimed - official["invalid"]))),
            "share_of_cast": _positive_pct(claimed - official["invalid"], official["ballots_cast"]),
            "precincts_at_or_above": int((share >= claim.value - 1e-9).sum()),
        }
    result["evidence"]["precincts_at_or_below_claimed_turnout"] = (
        int((turnout <= claim.value + 1e-9).sum()) if claim.metric == "turnout" else None
    )
    if baseline_change is not None:
        result["evidence"]["same_precinct"] = {
            k: baseline_change.get(k) for k in ("matched", "median_change", "mean_change", "percentiles", "share_increased")
        }
    return result


def _consistent(claim: Claim, official: float | None) -> bool | None:
    """Whether the official figure itself satisfies the claim (then the claim implies nothing)."""
    if official is None:
        return None
    if claim.comparator == "le":
        return official <= claim.value
    if claim.comparator == "ge":
        return official >= claim.value
    return abs(official - claim.value) < 0.5


def _group_turnout(official: dict, claim: Claim) -> dict:
    """A turnout claim about one group: testable only through the group's share of the electorate."""
    if claim.group_share is None:
        return {
            "testable": False,
            "consistent": None,
            "implied": {},
            "reason": str(_(
                "The protocols do not record who voted, so a turnout among %(group)s cannot be read from "
                "them. Give the group's share of registered voters (from a census or another source) to see "
                "what the claim implies for everybody else.") % {"group": claim.group}),
        }
    g = claim.group_share / 100.0
    registered = official["registered"]
    group_registered = g * registered
    group_ballots_max = claim.value / 100.0 * group_registered
    others_registered = registered - group_registered
    # For the official total to be honest, the others must have cast everything the group did not.
    others_needed = (official["ballots_issued"] - group_ballots_max) / others_registered
    return {
        "testable": True,
        "consistent": others_needed <= 1.0,
        "implied": {
            "group_registered": int(round(group_registered)),
            "group_ballots_at_most": int(round(group_ballots_max)),
            "others_turnout_needed": round(100.0 * others_needed, 2),
            "impossible_without_fictitious_ballots": others_needed > 1.0,
            "fictitious_ballots_at_least": max(0, int(round(official["ballots_issued"] - group_ballots_max - others_registered))),
        },
    }




# How Russian CEC files name the occupied Ukrainian regions (the occupiers' designations), by the
# first four characters of the region's KATOTTG code. Used to point a claim about a place at the
# precincts of that place.
REGION_BY_KATOTTG = {
    "UA01": "Республика Крым",
    "UA85": "город Севастополь",
    "UA14": "Донецкая Народная Республика",
    "UA44": "Луганская Народная Республика",
    "UA23": "Запорожская область",
    "UA65": "Херсонская область",
}


def region_for_place(place) -> str:
    """The region name used in results files for a gazetteer place (empty when unknown)."""
    if place is None:
        return ""
    return REGION_BY_KATOTTG.get((place.code or "")[:4], "")


def claim_query(figure) -> str:
    """Query string opening the claim tester on an ElectionFigure (empty for figures it cannot test)."""
    from urllib.parse import urlencode

    if figure.metric not in METRICS or figure.official:
        return ""
    params = {"metric": figure.metric, "comparator": figure.comparator, "value": str(figure.value)}
    region = region_for_place(figure.territory)
    if region:
        params["region"] = region
    if figure.population_group:
        params["group"] = figure.population_group
    return "?" + urlencode(params)
