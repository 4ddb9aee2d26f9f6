"""Precinct results as NumPy arrays: the one shape every analysis works on.

The database (``Precinct`` rows) is the record; analyses load a :class:`Precincts` from it (or,
in tests and benchmarks, straight from a parsed file) and never touch the ORM. Every count is an
``int64`` array with one entry per precinct and no missing values: precincts whose protocol lacks
a number the analyses need are left out when the arrays are built, and counted in ``excluded``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

# Protocol lines kept for every precinct, in this order (names used everywhere: DB columns,
# column mappings, JSON output). ``issued`` and ``cast`` are derived, see below.
PROTOCOL_FIELDS = (
    "registered",        # voters on the list
    "ballots_received",  # ballots the precinct commission received
    "issued_early",      # ballots issued to early voters
    "issued_station",    # ballots issued at the station on voting day
    "issued_outside",    # ballots issued outside the station (home voting)
    "cancelled",         # unused ballots cancelled
    "portable_box",      # ballots found in portable boxes
    "stationary_box",    # ballots found in stationary boxes
    "invalid",           # invalid ballots
    "valid",             # valid ballots
    "lost",              # lost ballots
    "unaccounted",       # ballots not accounted for on receipt
)
# What an analysis cannot do without: a precinct missing one of these is excluded from the arrays.
REQUIRED_FIELDS = ("registered", "issued_early", "issued_station", "issued_outside", "invalid", "valid")


@dataclass(frozen=True)
class Precincts:
    """Official results of a set of precincts, column by column."""

    region: np.ndarray           # object array of str, e.g. "Республика Крым"
    tik: np.ndarray              # object array of str, territorial commission, e.g. "1 Алуштинская городская"
    uik: np.ndarray              # object array of str, precinct label as published ("554", "УИК №554")
    uik_number: np.ndarray       # int64, the precinct number parsed from ``uik`` (-1 when it has none)
    counts: dict[str, np.ndarray]  # PROTOCOL_FIELDS -> int64 arrays (0 where the protocol line was absent)
    votes: np.ndarray            # int64, shape (n, len(candidates))
    candidates: tuple[str, ...]
    leader: int                  # index into candidates of the candidate whose share is analysed
    excluded: int = 0            # precincts left out for missing required numbers
    row: np.ndarray = field(default=None)  # int64 line numbers in the source file (for reports), optional

    def __len__(self) -> int:
        return len(self.region)

    def __getattr__(self, name):
        # p.registered, p.invalid, ... read the protocol columns.
        counts = self.__dict__.get("counts")
        if counts is not None and name in counts:
            return counts[name]
        raise AttributeError(name)

    @property
    def issued(self) -> np.ndarray:
        """Ballots issued (early + at the station + outside): the numerator of official turnout."""
        c = self.counts
        return c["issued_early"] + c["issued_station"] + c["issued_outside"]

    @property
    def cast(self) -> np.ndarray:
        """Ballots found in the boxes (valid + invalid): the denominator of official results."""
        return self.counts["valid"] + self.counts["invalid"]

    @property
    def leader_votes(self) -> np.ndarray:
        return self.votes[:, self.leader]

    @property
    def leader_name(self) -> str:
        return self.candidates[self.leader]

    def subset(self, mask: np.ndarray) -> Precincts:
        """The precincts where ``mask`` (bool array or index array) holds."""
        return replace(
            self,
            region=self.region[mask],
            tik=self.tik[mask],
            uik=self.uik[mask],
            uik_number=self.uik_number[mask],
            counts={k: v[mask] for k, v in self.counts.items()},
            votes=self.votes[mask],
            row=None if self.row is None else self.row[mask],
        )

    def in_region(self, region: str) -> Precincts:
        return self.subset(self.region == region)

    def in_tik(self, tik: str, region: str | None = None) -> Precincts:
        mask = self.tik == tik
        if region is not None:
            mask &= self.region == region
        return self.subset(mask)
