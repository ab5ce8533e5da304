"""Clinical target volume (CTV) from the GTV by the ISRC sector rules (Cox et al., IJROBP 2012).

The rules live in one data table, ``resources/ctv/isrc_rules.json``, with the citation and what they
were checked against (docs/ctv.md). A rule fires when the GTV involves every sector in its ``when``;
the CTV is the involved sectors plus the ``add`` of every rule that fired, and the GTV itself (its
epidural or paraspinal part lies outside the bone).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from planner.anatomy.sectors import SECTOR_NAMES, SECTORS
from planner.core.errors import LoadError, PlannerError
from planner.core.resources import resource_path


@dataclass(frozen=True)
class CtvRule:
    id: str
    when: frozenset[int]
    add: frozenset[int]
    text: str


@dataclass(frozen=True)
class CtvRules:
    source: str
    checked_against: str
    rules: tuple[CtvRule, ...]


def _sectors(values, where: str) -> frozenset[int]:
    out = frozenset(int(v) for v in values)
    if not out or not out <= set(SECTORS):
        raise LoadError(f"CTV rules: '{where}' must list sectors among 1-6, got {list(values)}")
    return out


@lru_cache(maxsize=4)
def load_rules(path: str | None = None) -> CtvRules:
    """The rule table (default: the shipped ISRC table)."""
    p = resource_path("ctv", "isrc_rules.json") if path is None else path
    try:
        doc = json.loads(open(p, encoding="utf-8").read())
        rules = tuple(CtvRule(str(r["id"]), _sectors(r["when"], f"{r['id']}.when"),
                              _sectors(r["add"], f"{r['id']}.add"), str(r["text"])) for r in doc["rules"])
        return CtvRules(str(doc["source"]), str(doc.get("checked_against", "")), rules)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LoadError(f"Cannot read the CTV rules {p}: {exc}") from None


def involved_sectors(sector_labels: np.ndarray, gtv_mask: np.ndarray, min_voxels: int = 1) -> frozenset[int]:
    """Sectors holding at least ``min_voxels`` GTV voxels ("the intersection is not empty")."""
    if gtv_mask.shape != sector_labels.shape:
        raise PlannerError(f"The lesion mask {gtv_mask.shape} does not match the sector map {sector_labels.shape}.")
    counts = np.bincount(sector_labels[np.asarray(gtv_mask, bool)], minlength=7)
    return frozenset(s for s in SECTORS if counts[s] >= min_voxels)


@dataclass(frozen=True)
class CtvChoice:
    """Which sectors the CTV holds and why (the GTV's sectors and the rules that fired)."""

    involved: frozenset[int]
    sectors: frozenset[int]
    fired: tuple[CtvRule, ...]

    def explain(self) -> list[str]:
        names = ", ".join(f"{s} {SECTOR_NAMES[s]}" for s in sorted(self.involved)) or "none"
        return [f"The lesion involves sector(s): {names}."] + [r.text for r in self.fired]


def ctv_sectors(involved, rules: CtvRules | None = None) -> CtvChoice:
    """Apply the rule table to the involved sectors."""
    inv = frozenset(int(s) for s in involved)
    table = rules or load_rules()
    fired = tuple(r for r in table.rules if r.when <= inv)
    out = set(inv)
    for r in fired:
        out |= r.add
    return CtvChoice(inv, frozenset(out), fired)


def ctv_mask(sector_labels: np.ndarray, sectors, gtv_mask: np.ndarray | None = None) -> np.ndarray:
    """Boolean CTV on the CT grid: the chosen sectors of the vertebra, plus the GTV."""
    mask = np.isin(sector_labels, sorted(int(s) for s in sectors))
    if gtv_mask is not None:
        mask |= np.asarray(gtv_mask, bool)
    return mask


def build_ctv(sector_labels: np.ndarray, gtv_mask: np.ndarray, override=None,
              rules: CtvRules | None = None) -> tuple[np.ndarray, CtvChoice]:
    """CTV mask and its choice; ``override``: sectors the user toggled (replaces the rules' result)."""
    if not np.any(gtv_mask):
        raise PlannerError("No lesion: draw, grow or import a target (GTV) before asking for its CTV.")
    involved = involved_sectors(sector_labels, gtv_mask)
    if not involved:
        raise PlannerError("The lesion lies outside the vertebra of this level: check the level or the target.")
    choice = ctv_sectors(involved, rules)
    if override is not None:
        choice = CtvChoice(involved, frozenset(int(s) for s in override), choice.fired)
    return ctv_mask(sector_labels, choice.sectors, gtv_mask), choice
