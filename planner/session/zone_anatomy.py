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
    says what the marrow threshold reads (the vertebra's frame and sizes, the lesion left out of it) and the
    vertebra's name (the findings name its neighbours: a renamed level changes their words)."""
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
        return v, frame + (targets, v.name)
    return lookup


class ZoneAnatomyCache:
    """Beyond-the-vertebra results per antenna, keyed by the zone's shape (one volume per cache), and
    each zone's distance to each foramen (issue 15: the union's distance to a foramen is the smallest
    of its zones' distances, so a drag computes only the zone that moved). ``foramen_computed`` counts
    the zone-to-foramen distances computed (tests, the benchmark)."""

    def __init__(self):
        self._beyond: dict[str, tuple[tuple, BeyondVertebra]] = {}
        self._spheres: dict[tuple, tuple] = {}  # foramina (mask ids) -> bounding spheres (centres LPS, radii mm)
        self._foramen_mm: dict[str, tuple[tuple, dict]] = {}  # antenna id -> (zone key, {mask id: (mask, mm)})
        self.foramen_computed = 0

    def clear(self) -> None:
        self.forget_zones()
        self._spheres.clear()

    def forget_zones(self) -> None:
        """Drop every zone's figures (beyond the vertebra, foramen distances); the foramina's own
        bounding spheres are kept."""
        self._beyond.clear()
        self._foramen_mm.clear()

    def _bounding_spheres(self, grid, foramina) -> tuple[np.ndarray, np.ndarray]:
        """Each foramen's bounding sphere: the centre of its voxel centres and their largest distance
        from it plus half a voxel diagonal; kept while the same foramen masks are shown."""
        key = tuple(id(f.local) for f in foramina)
        cached = self._spheres.get(key)
        if cached is not None and all(a is f.local for a, f in zip(cached[0], foramina)):
            return cached[1], cached[2]
        half_diagonal = 0.5 * float(np.linalg.norm(grid.spacing_ijk_mm))
        centres, radii = [], []
        for f in foramina:
            pts = grid.to_lps(kji_to_ijk(f.points_kji()).astype(float))
            centre = pts.mean(axis=0)
            centres.append(centre)
            radii.append(float(np.linalg.norm(pts - centre, axis=1).max()) + half_diagonal)
        self._spheres = {key: (tuple(f.local for f in foramina), np.array(centres).reshape(-1, 3), np.array(radii))}
        return self._spheres[key][1], self._spheres[key][2]

    def _lower_bounds_mm(self, grid, foramina, ellipsoids) -> np.ndarray:
        """Per foramen, a lower bound of the zones' distance to it: centre distance minus both bounding
        radii (the foramen's sphere, the zone's largest semi-axis), smallest over the zones."""
        centres, radii = self._bounding_spheres(grid, foramina)
        bound = np.full(len(foramina), np.inf)
        for e in ellipsoids:
            gap = np.linalg.norm(centres - np.asarray(e.centre_lps, float), axis=1) - radii - float(np.max(e.semi_axes_mm))
            bound = np.minimum(bound, gap)
        return bound

    def _zone_foramen_mm(self, grid, zone_result, key, foramen, compute: bool = True) -> float | None:
        """The distance of one zone (shape ``key``: :func:`zone_key`) to one foramen
        (:func:`foramen_distance_mm` of that zone alone), kept per antenna while its zone keeps its shape;
        ``compute`` False: None when it is not kept (nothing is computed)."""
        entry = self._foramen_mm.get(zone_result.antenna_id)
        if entry is None or entry[0] != key:
            if not compute:
                return None
            entry = self._foramen_mm[zone_result.antenna_id] = (key, {})
        hit = entry[1].get(id(foramen.local))
        if hit is not None and hit[0] is foramen.local:
            return hit[1]
        if not compute:
            return None
        self.foramen_computed += 1
        d = foramen_distance_mm(grid, [zone_result.zone.ellipsoid], foramen)
        entry[1][id(foramen.local)] = (foramen.local, d)
        return d

    def _forget_others(self, zones, foramina) -> None:
        """Drop the distances of antennas no longer planned and of foramina no longer shown."""
        live = {id(f.local) for f in foramina}
        antennas = {z.antenna_id for z in zones}
        for antenna_id in list(self._foramen_mm):
            if antenna_id not in antennas:
                del self._foramen_mm[antenna_id]
                continue
            per = self._foramen_mm[antenna_id][1]
            for stale in set(per) - live:
                del per[stale]

    def foramen_distances(self, grid, zones, foramina, full: bool, near_mm: float, compute: bool = True) -> tuple:
        """``(foramen, mm)`` from the union of ``zones`` (ZoneResults with a zone) to each foramen: the
        smallest of the zones' own distances, each computed once per zone shape; ``full`` False (a
        drag): only the foramina a bounding-sphere bound puts within ``near_mm`` of some zone;
        ``compute`` False (an edit whose figures a worker computes, issue 19): only the foramina whose
        distance to every zone is kept, none computed."""
        if not foramina or not zones:
            return ()
        if not compute:
            keyed = [(z, zone_key(z.zone)) for z in zones]
            out = []
            for f in foramina:
                ds = [self._zone_foramen_mm(grid, z, key, f, compute=False) for z, key in keyed]
                if all(d is not None for d in ds) and math.isfinite(min(ds)):
                    out.append((f, min(ds)))
            return tuple(out)
        if not full:
            bounds = self._lower_bounds_mm(grid, foramina, [z.zone.ellipsoid for z in zones])
            foramina = [f for f, b in zip(foramina, bounds) if b <= near_mm]
        else:
            self._forget_others(zones, foramina)
        keyed = [(z, zone_key(z.zone)) for z in zones]
        out = []
        for f in foramina:
            d = min(self._zone_foramen_mm(grid, z, key, f) for z, key in keyed)
            if math.isfinite(d):
                out.append((f, d))
        return tuple(out)

    def figures(self, volume, grid, zone_results, foramina, full: bool, near_mm: float = 5.0,
                vertebra_of=None, lesion_inside=None, compute: bool = True) -> ZoneAnatomy:
        """The figures for ``zone_results`` (:class:`~planner.session.evaluation.ZoneResult`) and the
        named ``foramina``; ``full`` False (a drag): the beyond figures only where cached, and the
        distances only of the foramina that a bounding-sphere bound puts within ``near_mm`` (the
        rules' warning distance) of a zone: the others cannot raise a finding. ``vertebra_of``
        (:func:`vertebra_lookup`): each zone's vertebra, for its marrow threshold; ``lesion_inside``:
        the target lesion, left out of that vertebra's marrow. ``compute`` False: only the figures kept
        (beyond the vertebra and foramen distances), nothing computed (a worker computes the rest,
        :mod:`planner.session.evaluate_later`)."""
        zones = [z for z in zone_results if z.zone is not None]
        distances = self.foramen_distances(grid, zones, tuple(foramina or ()), full, near_mm, compute)
        full = full and compute
        beyond: dict[str, BeyondVertebra] = {}
        complete = True
        for z in zones:
            shape = zone_key(z.zone)
            cached = self._beyond.get(z.antenna_id)
            if not full and (cached is None or cached[0][0] != shape):  # a drag's moved zone: not looked up
                complete = False
                continue
            vertebra, vertebra_key = vertebra_of(z.needle_id) if vertebra_of is not None else (None, None)
            key = (shape, vertebra_key)
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

    # --- issue 19: the same figures computed in a worker, adopted on the GUI thread -----------------
    def pending(self, zone_results, foramina, vertebra_of=None) -> tuple[list, list]:
        """What a full :meth:`figures` would compute now (nothing is computed here): ``beyond`` items
        ``(antenna id, key, zone, vertebra)`` and ``foramen`` items ``(antenna id, zone key, zone ellipsoid, foramen)``."""
        zones = [z for z in zone_results if z.zone is not None]
        beyond = []
        for z in zones:
            vertebra, vertebra_key = vertebra_of(z.needle_id) if vertebra_of is not None else (None, None)
            key = (zone_key(z.zone), vertebra_key)
            cached = self._beyond.get(z.antenna_id)
            if cached is None or cached[0] != key:
                beyond.append((z.antenna_id, key, z.zone, vertebra))
        distances = []
        for z in zones:
            key = zone_key(z.zone)
            entry = self._foramen_mm.get(z.antenna_id)
            for f in tuple(foramina or ()):
                hit = entry[1].get(id(f.local)) if entry is not None and entry[0] == key else None
                if hit is None or hit[0] is not f.local:
                    distances.append((z.antenna_id, key, z.zone.ellipsoid, f))
        return beyond, distances

    @staticmethod
    def compute_pending(volume, grid, beyond, distances, lesion_inside=None, cancel=lambda: False) -> tuple:
        """The figures of :meth:`pending`'s items, as :meth:`figures` computes them (safe in a worker:
        it reads the volume, the zones, the vertebrae and the foramen masks, all immutable);
        ``cancel()`` true stops between items (what was done is returned)."""
        done_beyond, done_mm = [], []
        for antenna_id, key, zone, vertebra in beyond:
            if cancel():
                break
            result = beyond_vertebra(volume, [zone], vertebra=vertebra,
                                     lesion_inside=lesion_inside if vertebra is not None else None)
            done_beyond.append((antenna_id, key, result))
        for antenna_id, key, zone_ellipsoid, foramen in distances:
            if cancel():
                break
            done_mm.append((antenna_id, key, foramen, foramen_distance_mm(grid, [zone_ellipsoid], foramen)))
        return done_beyond, done_mm

    def adopt(self, beyond, distances, zone_results, foramina, vertebra_of=None) -> int:
        """Keep the figures a worker computed (:meth:`compute_pending`) that are still wanted: only
        items :meth:`pending` names now (same antenna, same key, same foramen mask), so a result for a
        zone moved or a canal changed meanwhile is dropped. Returns how many were kept."""
        want_beyond, want_mm = self.pending(zone_results, foramina, vertebra_of)
        beyond_keys = {(a, k) for a, k, _z, _v in want_beyond}
        mm_keys = {(a, k, id(f.local)) for a, k, _e, f in want_mm}
        kept = 0
        for antenna_id, key, result in beyond:
            if (antenna_id, key) in beyond_keys:
                self._beyond[antenna_id] = (key, result)
                kept += 1
        for antenna_id, key, foramen, d in distances:
            if (antenna_id, key, id(foramen.local)) in mm_keys:
                entry = self._foramen_mm.get(antenna_id)
                if entry is None or entry[0] != key:
                    entry = self._foramen_mm[antenna_id] = (key, {})
                entry[1][id(foramen.local)] = (foramen.local, d)
                self.foramen_computed += 1
                kept += 1
        return kept
