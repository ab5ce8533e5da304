"""Foramina and beyond-the-vertebra figures for a set of zones, as plain JSON-ready data.

Used by ``analyze --json`` (keys documented in docs/anatomy-figures.md); the rule registry can take
the findings from here too. Everything is computed from the volume, the canal mask and the zones.
"""

from __future__ import annotations

import math

from planner.analysis.beyond_vertebra import beyond_findings, beyond_vertebra
from planner.analysis.foramen_rules import foramen_distance_mm, zone_foramen_findings
from planner.anatomy.foramina import find_foramina
from planner.geometry.raster import VoxelGrid


def _num(v, digits: int = 3):
    return None if v is None or not math.isfinite(float(v)) else round(float(v), digits)


def anatomy_figures(volume, canal_mask, zones, levels=()) -> tuple[list[dict], list[dict], list]:
    """``(foramina, per_zone, findings)``: one dict per foramen ``{level, side, distance_to_zone_mm,
    centre_lps}``, one per zone ``{outside_vertebra_ml, outside_directions, max_beyond_mm,
    vessel_distance_mm}`` and the findings of the foramen and beyond-the-vertebra rules.
    ``levels``: ``(name, body_centre_lps)`` pairs used to name the foramina."""
    grid = VoxelGrid.of(volume)
    zones = list(zones)
    foramina = [] if canal_mask is None else find_foramina(volume, canal_mask, levels)
    distances = [(f, foramen_distance_mm(grid, zones, f)) for f in foramina] if zones else []
    fout = [{"level": f.level, "side": f.side, "centre_lps": [round(float(v), 2) for v in f.centre_lps],
             "distance_to_zone_mm": _num(dict((id(a), d) for a, d in distances).get(id(f)))}
            for f in foramina]
    findings = zone_foramen_findings(distances)
    per_zone = []
    for n, z in enumerate(zones):
        res = beyond_vertebra(volume, [z])
        per_zone.append({"outside_vertebra_ml": _num(res.outside_ml, 4),
                         "outside_directions": {k: {"volume_ml": _num(v, 4), "max_beyond_mm": _num(res.directions_mm[k])}
                                                for k, v in res.directions_ml.items()},
                         "max_beyond_mm": _num(res.max_beyond_mm), "vessel_distance_mm": _num(res.vessel_distance_mm),
                         "vertebra_found": res.found_vertebra})
        findings += beyond_findings(res, item_id=str(getattr(z, "antenna_id", "") or f"zone-{n}"))
    return fout, per_zone, findings


__all__ = ["anatomy_figures"]
