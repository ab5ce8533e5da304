"""Spinal Instability Neoplastic Score (SINS): six components, their scores, the total and category.

Table from DOMAIN.md "Spinal Instability Neoplastic Score" (Fisher et al., Spine 2010, the SOSG
consensus score): location, pain, bone lesion, radiographic alignment, vertebral body collapse and
posterolateral involvement of the spinal elements. Total 0-6 stable, 7-12 potentially unstable
("indeterminate"), 13-18 unstable. A plan stores the component scores in ``Level.sins``
(component key -> score); this module checks them and computes the total.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from planner.core.errors import PlanError


@dataclass(frozen=True)
class SinsComponent:
    """One SINS component: its key in ``Level.sins``, a title and the (label, score) choices."""

    key: str
    title: str
    choices: tuple[tuple[str, int], ...]

    @property
    def scores(self) -> tuple[int, ...]:
        return tuple(score for _, score in self.choices)

    def label_for(self, score: int) -> str:
        for label, value in self.choices:
            if value == score:
                return label
        raise PlanError(f"SINS {self.title.lower()}: {score} is not a possible score ({_allowed(self)}).")


def _allowed(component: SinsComponent) -> str:
    return ", ".join(f"{label} = {score}" for label, score in component.choices)


SINS_COMPONENTS: tuple[SinsComponent, ...] = (
    SinsComponent("location", "Location", (
        ("Junctional (occiput–C2, C7–T2, T11–L1, L5–S1)", 3), ("Mobile spine (C3–C6, L2–L4)", 2),
        ("Semirigid (T3–T10)", 1), ("Rigid (S2–S5)", 0))),
    SinsComponent("pain", "Pain", (
        ("Mechanical pain", 3), ("Occasional non-mechanical pain", 1), ("Pain-free", 0))),
    SinsComponent("lesion", "Bone lesion", (("Lytic", 2), ("Mixed lytic/blastic", 1), ("Blastic", 0))),
    SinsComponent("alignment", "Radiographic alignment", (
        ("Subluxation / translation", 4), ("De novo deformity (kyphosis / scoliosis)", 2), ("Normal", 0))),
    SinsComponent("collapse", "Vertebral body collapse", (
        ("> 50% collapse", 3), ("< 50% collapse", 2), ("No collapse, > 50% of the body involved", 1),
        ("None of the above", 0))),
    SinsComponent("posterolateral", "Posterolateral involvement", (
        ("Bilateral", 3), ("Unilateral", 1), ("None", 0))),
)
COMPONENTS_BY_KEY: dict[str, SinsComponent] = {c.key: c for c in SINS_COMPONENTS}
MAX_SINS = sum(max(c.scores) for c in SINS_COMPONENTS)  # 18

# Location by level name (levels the planner knows: T1-T12, L1-L5, S1), from the table above.
_JUNCTIONAL = {"T1", "T2", "T11", "T12", "L1", "L5", "S1"}
_MOBILE = {"L2", "L3", "L4"}


def location_score_for_level(level_name: str) -> int | None:
    """The location score the level implies (junctional 3, mobile 2, semirigid T3-T10 1), or None."""
    name = (level_name or "").upper()
    if name in _JUNCTIONAL:
        return 3
    if name in _MOBILE:
        return 2
    if name.startswith("T") and name[1:].isdigit() and 3 <= int(name[1:]) <= 10:
        return 1
    return None


@dataclass(frozen=True)
class SinsResult:
    """A checked SINS: the component scores, the total (None while incomplete) and the category."""

    scores: dict[str, int]
    total: int | None
    category: str
    missing: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return not self.missing


def check_sins(sins: Mapping[str, int]) -> dict[str, int]:
    """Component scores checked against the table; PlanError naming an unknown key or score."""
    clean: dict[str, int] = {}
    for key, score in dict(sins).items():
        component = COMPONENTS_BY_KEY.get(str(key))
        if component is None:
            known = ", ".join(COMPONENTS_BY_KEY)
            raise PlanError(f"SINS has no component {key!r} (components: {known}).")
        if isinstance(score, bool) or not isinstance(score, int) or score not in component.scores:
            raise PlanError(f"SINS {component.title.lower()}: {score!r} is not a possible score ({_allowed(component)}).")
        clean[component.key] = int(score)
    return clean


def sins_category(total: int) -> str:
    """0-6 stable, 7-12 potentially unstable, 13-18 unstable (SINS, DOMAIN.md)."""
    if not 0 <= total <= MAX_SINS:
        raise PlanError(f"A SINS total lies between 0 and {MAX_SINS}, got {total}.")
    if total <= 6:
        return "stable"
    if total <= 12:
        return "potentially unstable"
    return "unstable"


def score_sins(sins: Mapping[str, int] | None) -> SinsResult:
    """Total and category of a level's SINS. Incomplete scores give no total (category says so)."""
    scores = check_sins(sins or {})
    missing = tuple(c.key for c in SINS_COMPONENTS if c.key not in scores)
    if missing:
        names = ", ".join(COMPONENTS_BY_KEY[k].title.lower() for k in missing)
        return SinsResult(scores, None, f"incomplete (missing {names})", missing)
    total = sum(scores.values())
    return SinsResult(scores, total, sins_category(total), ())
