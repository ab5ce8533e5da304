"""The figures the foramen and beyond-the-vertebra rules read, computed once per evaluation (issue 13).

- foramen distances: the signed distance (mm) from the union of the zones to each neural foramen
  (:func:`planner.analysis.foramen_rules.foramen_distance_mm`); a few milliseconds, so drags get them too;
- beyond the vertebra: per antenna's zone, :func:`planner.analysis.beyond_vertebra.beyond_vertebra`
  (HU in the zone's box, about 0.1 s a zone): full evaluations only, cached by the zone's shape, the
  vertebra its needle is linked to (whose marrow sets the bone threshold: :func:`vertebra_lookup`) and
  the volume, so a release after a drag recomputes only the zones that moved.

Qt-free; the rules themselves live in :mod:`planner.analysis.rules.foramen` and
:mod:`planner.analysis.rules.beyond_vertebra`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from planner.analysis.beyond_vertebra import BeyondVertebra, beyond_vertebra
from planner.analysis.foramen_rules import foramen_distance_mm
from planner.core.frames import kji_to_ijk

__all__ = ["ZoneAnatomy", "ZoneAnatomyCache", "vertebra_lookup", "zone_key"]


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


def vertebra_lookup(session):
    """A function ``needle_id -> (vertebra, key)`` for :meth:`ZoneAnatomyCache.figures`: the vertebra the
    needle is linked to (``SessionAnatomy.vertebra_for``, the one its corridor check uses) once the
    automatic anatomy is known (never computed here: this may run on the GUI thread), else None; ``key``
    says what the marrow threshold reads (the vertebra's frame and sizes, the lesion left out of it)."""
    anatomy = session.anatomy if session.auto_anatomy else None
    if anatomy is None or not anatomy.ready:
        return lambda needle_id: (None, None)
    levels, targets = tuple(session.plan.levels), session._target_key()

    def lookup(needle_id):
        needle = session.plan.get(needle_id) if needle_id in session.plan else None
        v = anatomy.vertebra_for(levels, needle) if needle is not None else None
        if v is None:
            return None, None
        frame = (tuple(v.body_centre_lps), tuple(map(tuple, v.axes_lps)), v.width_mm, v.depth_mm, v.height_mm)
        return v, frame + (targets,)
    return lookup


class ZoneAnatomyCache:
    """Beyond-the-vertebra results per antenna, keyed by the zone's shape (one volume per cache)."""

    def __init__(self):
        self._beyond: dict[str, tuple[tuple, BeyondVertebra]] = {}
        self._spheres: dict[tuple, tuple] = {}  # foramen box -> bounding sphere (centre LPS, radius mm)

    def clear(self) -> None:
        self._beyond.clear()
        self._spheres.clear()

    def _lower_bound_mm(self, grid, foramen, ellipsoids) -> float:
        """A lower bound of the zones' distance to ``foramen``: centre distance minus both bounding
        radii (the foramen's voxel centres plus half a voxel diagonal; the zone's largest semi-axis)."""
        key = tuple((sl.start, sl.stop) for sl in foramen.box) + (foramen.side,)
        sphere = self._spheres.get(key)
        if sphere is None:
            pts = grid.to_lps(kji_to_ijk(foramen.points_kji()).astype(float))
            centre = pts.mean(axis=0)
            radius = float(np.linalg.norm(pts - centre, axis=1).max()) + 0.5 * float(np.linalg.norm(grid.spacing_ijk_mm))
            sphere = self._spheres[key] = (centre, radius)
        centre, radius = sphere
        return min(float(np.linalg.norm(np.asarray(e.centre_lps) - centre)) - radius - float(np.max(e.semi_axes_mm))
                   for e in ellipsoids)

    def figures(self, volume, grid, zone_results, foramina, full: bool, near_mm: float = 5.0,
                vertebra_of=None, lesion_inside=None) -> ZoneAnatomy:
        """The figures for ``zone_results`` (:class:`~planner.session.evaluation.ZoneResult`) and the
        named ``foramina``; ``full`` False (a drag): the beyond figures only where cached, and the
        distances only of the foramina that a bounding-sphere bound puts within ``near_mm`` (the
        rules' warning distance) of a zone: the others cannot raise a finding. ``vertebra_of``
        (:func:`vertebra_lookup`): each zone's vertebra, for its marrow threshold; ``lesion_inside``:
        the target lesion, left out of that vertebra's marrow."""
        zones = [z for z in zone_results if z.zone is not None]
        distances = ()
        if foramina and zones:
            ells = [z.zone.ellipsoid for z in zones]
            if not full:  # a drag: only the foramina that can lie within the warning distance
                foramina = [f for f in foramina if self._lower_bound_mm(grid, f, ells) <= near_mm]
            distances = tuple((f, d) for f in foramina
                              if math.isfinite(d := foramen_distance_mm(grid, ells, f)))
        beyond: dict[str, BeyondVertebra] = {}
        complete = True
        for z in zones:
            vertebra, vertebra_key = vertebra_of(z.needle_id) if vertebra_of is not None else (None, None)
            key = (zone_key(z.zone), vertebra_key)
            cached = self._beyond.get(z.antenna_id)
            if cached is not None and cached[0] == key:
                beyond[z.antenna_id] = cached[1]
            elif full:
                result = beyond_vertebra(volume, [z.zone], vertebra=vertebra,
                                         lesion_inside=lesion_inside if vertebra is not None else None)
                self._beyond[z.antenna_id] = (key, result)
                beyond[z.antenna_id] = result
            else:
                complete = False
        return ZoneAnatomy(distances, beyond, complete)
