"""Foramina and beyond-the-vertebra figures as plain JSON-ready data (``analyze --json``, keys in
docs/anatomy-figures.md).

Formatting only: the figures are computed once per evaluation by the session
(:mod:`planner.session.zone_anatomy`) and the findings come from the rule table
(:mod:`planner.analysis.rules.foramen`, :mod:`planner.analysis.rules.beyond_vertebra`), so the report,
the panel and the views read the same numbers.
"""

from __future__ import annotations

import math


def _num(v, digits: int = 3):
    return None if v is None or not math.isfinite(float(v)) else round(float(v), digits)


def foramina_json(foramina, distances=()) -> list[dict]:
    """One dict per foramen ``{level, side, distance_to_zone_mm, centre_lps}``; ``distances``:
    ``(Foramen, mm)`` pairs (a foramen without one has no zone: null)."""
    by_id = {id(f): d for f, d in distances}
    return [{"level": f.level, "side": f.side, "centre_lps": [round(float(v), 2) for v in f.centre_lps],
             "distance_to_zone_mm": _num(by_id.get(id(f)))} for f in foramina]


def beyond_json(result) -> dict:
    """``{outside_vertebra_ml, outside_directions, max_beyond_mm, vessel_distance_mm, vertebra_found}``
    of one :class:`~planner.analysis.beyond_vertebra.BeyondVertebra` (all null when None)."""
    if result is None:
        return {"outside_vertebra_ml": None, "outside_directions": {}, "max_beyond_mm": None,
                "vessel_distance_mm": None, "vertebra_found": False}
    return {"outside_vertebra_ml": _num(result.outside_ml, 4),
            "outside_directions": {k: {"volume_ml": _num(v, 4), "max_beyond_mm": _num(result.directions_mm[k])}
                                   for k, v in result.directions_ml.items()},
            "max_beyond_mm": _num(result.max_beyond_mm), "vessel_distance_mm": _num(result.vessel_distance_mm),
            "vertebra_found": result.found_vertebra}


__all__ = ["beyond_json", "foramina_json"]
