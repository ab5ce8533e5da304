"""The figures the foramen and beyond-the-vertebra rules read, computed once per evaluation (issue 13).

- foramen distances: the signed distance (mm) from the union of the zones to each neural foramen
  (:func:`planner.analysis.foramen_rules.foramen_distance_mm`); a few milliseconds, so drags get them too;
- beyond the vertebra: per antenna's zone, :func:`planner.analysis.beyond_vertebra.beyond_vertebra`
  (HU in the zone's box, about 0.1 s a zone): full evaluations only, cached by the zone's shape and the
  volume, so a release after a drag recomputes only the zones that moved.

Qt-free; the rules themselves live in :mod:`planner.analysis.rules.foramen` and
:mod:`planner.analysis.rules.beyond_vertebra`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from planner.analysis.beyond_vertebra import BeyondVertebra, beyond_vertebra
from planner.analysis.foramen_rules import foramen_distance_mm

__all__ = ["ZoneAnatomy", "ZoneAnatomyCache", "zone_key"]


@dataclass(frozen=True)
class ZoneAnatomy:
    """``foramen_distances``: ``(Foramen, mm)`` pairs (named foramina); ``beyond``: antenna id ->
    :class:`BeyondVertebra`; ``beyond_complete``: every zone has its figures."""

    foramen_distances: tuple = ()
    beyond: dict | None = None
    beyond_complete: bool = True


def zone_key(zone) -> tuple:
    """Everything :func:`beyond_vertebra` reads of a zone: its ellipsoid."""
    e = getattr(zone, "ellipsoid", zone)
    return (tuple(float(v) for v in e.centre_lps), tuple(tuple(float(v) for v in row) for row in e.axes),
            tuple(float(v) for v in e.semi_axes_mm))


class ZoneAnatomyCache:
    """Beyond-the-vertebra results per antenna, keyed by the zone's shape (one volume per cache)."""

    def __init__(self):
        self._beyond: dict[str, tuple[tuple, BeyondVertebra]] = {}

    def clear(self) -> None:
        self._beyond.clear()

    def figures(self, volume, grid, zone_results, foramina, full: bool) -> ZoneAnatomy:
        """The figures for ``zone_results`` (:class:`~planner.session.evaluation.ZoneResult`) and the
        named ``foramina``; ``full`` False (a drag): the beyond figures only where cached."""
        zones = [z for z in zone_results if z.zone is not None]
        distances = ()
        if foramina and zones:
            ells = [z.zone.ellipsoid for z in zones]
            distances = tuple((f, d) for f in foramina
                              if math.isfinite(d := foramen_distance_mm(grid, ells, f)))
        beyond: dict[str, BeyondVertebra] = {}
        complete = True
        for z in zones:
            key = zone_key(z.zone)
            cached = self._beyond.get(z.antenna_id)
            if cached is not None and cached[0] == key:
                beyond[z.antenna_id] = cached[1]
            elif full:
                result = beyond_vertebra(volume, [z.zone])
                self._beyond[z.antenna_id] = (key, result)
                beyond[z.antenna_id] = result
            else:
                complete = False
        return ZoneAnatomy(distances, beyond, complete)
