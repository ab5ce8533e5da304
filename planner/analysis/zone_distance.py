"""The zones' signed distance to the spinal canal, one zone at a time, kept per zone (issue 15).

:func:`planner.analysis.overlap.canal_signed_distance` measures the union of the zones. The union's
signed distance at a point is the smallest of its zones' (``union_signed_distance``: a minimum over
zones), so over the canal's points the union's figure is the smallest of the zones' own figures,
each measured on the points near that zone: a canal point deeper inside a zone than any other lies
in that zone's own box, and the nearest canal surface point of a zone lies in the slices its own
window covers. One exception is handled here: with the sub-voxel band, the union's search also
tries every zone's centre that lies in the canal (an ellipsoid's deepest point), so each zone is
also tried at the other zones' centres in the canal. Only the sub-voxel band's figure decomposes so:
without a band the union's search picks the deepest voxel centre first and then moves it by half a
voxel along that point's normal, which is not the smallest of the zones' moved figures; ``analyze``
then keeps the union's search.

A drag moves one zone: :class:`CanalDistanceCache` keeps each zone's figure keyed by its shape and the
prepared canal it was measured against, so only the moved zone is measured again; it also keeps each
zone's distances to the thermocouple tips (:meth:`CanalDistanceCache.point_distances`). Results equal the
union's (tests/analysis/test_zone_distance.py compares them on the real lumbar scan).
"""

from __future__ import annotations

import numpy as np

from planner.analysis.overlap import PreparedCanal, canal_signed_distance, union_distance_bounds, union_signed_distance
from planner.core.frames import kji_to_ijk
from planner.geometry.raster import VoxelGrid, shape_box

__all__ = ["CanalDistanceCache", "MAX_POINT_ENTRIES", "shape_key", "zone_canal_points"]

MAX_POINT_ENTRIES = 64  # zone shapes x point sets kept for point_distances (a plan has a few of each)


def shape_key(zone) -> tuple:
    """A zone's ellipsoid as plain floats: centre, axes and semi-axes (all a distance reads)."""
    e = getattr(zone, "ellipsoid", zone)
    return (tuple(float(v) for v in e.centre_lps), tuple(tuple(float(v) for v in row) for row in e.axes),
            tuple(float(v) for v in e.semi_axes_mm))


def zone_canal_points(grid: VoxelGrid, canal: PreparedCanal, zone, margin_mm: float) -> np.ndarray:
    """The LPS centres of the canal voxels in the zone's box (``margin_mm`` around it) that
    :func:`planner.analysis.analyze.analyze` hands to the depth search: all canal voxels of the box
    without a band, those off the band with one (:func:`planner.analysis.overlap.canal_overlap_ml`)."""
    box = shape_box(grid, getattr(zone, "ellipsoid", zone), margin_mm)
    if box is None:
        return np.zeros((0, 3))
    local = canal.mask[box].copy()
    start = np.array([s.start for s in box])
    if canal.band is not None:
        kji = canal.band.kji[canal.band.in_box(box)] - start
        local[kji[:, 0], kji[:, 1], kji[:, 2]] = False
    kji = np.argwhere(local)
    return grid.to_lps(kji_to_ijk(kji + start).astype(float)) if len(kji) else np.zeros((0, 3))


class CanalDistanceCache:
    """Zone shape -> [signed distance mm, closest canal point, centre in the canal (None: not asked
    yet)] for one prepared canal; ``computed`` counts the zones measured (tests, the benchmark)."""

    def __init__(self):
        self._canal: PreparedCanal | None = None
        self._grid: VoxelGrid | None = None
        self._entries: dict[tuple, list] = {}
        self._points: dict[tuple, np.ndarray] = {}  # (zone shape, points) -> signed distances (mm)
        self.computed = 0

    def point_distances(self, ellipsoid, points_lps) -> np.ndarray:
        """``ellipsoid.signed_distance(points_lps)``, kept per zone shape and points (the thermocouple
        tips: a drag that moves one zone measures only that zone's distances to them). At most
        :data:`MAX_POINT_ENTRIES` entries are kept (then all are dropped and computed again)."""
        pts = np.ascontiguousarray(points_lps, dtype=float).reshape(-1, 3)
        key = (shape_key(ellipsoid), pts.tobytes())
        d = self._points.get(key)
        if d is None:
            if len(self._points) >= MAX_POINT_ENTRIES:
                self._points.clear()
            d = self._points[key] = ellipsoid.signed_distance(pts)
            d.flags.writeable = False
        return d

    def _zone(self, grid, zone, canal, margin_mm: float):
        key = (shape_key(zone), float(margin_mm))
        entry = self._entries.get(key)
        if entry is None:
            self.computed += 1
            inside = zone_canal_points(grid, canal, zone, margin_mm)
            d, p = canal_signed_distance(grid, [zone], canal, inside)
            entry = [d, p, None]  # None: whether its centre lies in the canal is not known yet
        return key, entry

    def _centre_in_canal(self, zone, entry, canal) -> bool:
        """Whether the zone's centre lies in the canal (asked only when another zone contains it)."""
        if entry[2] is None:
            centre = np.asarray(getattr(zone, "ellipsoid", zone).centre_lps, float).reshape(1, 3)
            entry[2] = bool(canal.contains(centre)[0])
        return entry[2]

    def distance(self, grid: VoxelGrid, zones, canal: PreparedCanal, margin_mm: float = 2.0
                 ) -> tuple[float, np.ndarray | None]:
        """What ``canal_signed_distance(grid, zones, canal, points)`` gives for the union of ``zones``
        (``points``: the canal voxels of the zones' box with ``margin_mm``), from each zone's own figure.
        ``canal`` must have its sub-voxel band (see the module's docstring)."""
        if canal.band is None:
            raise ValueError("the zone-by-zone canal distance needs the canal's sub-voxel band")
        if canal is not self._canal or grid is not self._grid:
            self._canal, self._grid = canal, grid
            self._entries = {}
        measured = [self._zone(grid, z, canal, margin_mm) for z in zones]
        self._entries = dict(measured)  # only the zones planned now are kept
        best, closest = float("inf"), None
        for _key, (d, p, _in) in measured:
            if d < best:
                best, closest = d, p
        for b, (_key, entry) in zip(zones, measured):  # another zone's centre in the canal may lie deeper
            c = np.asarray(getattr(b, "ellipsoid", b).centre_lps, float).reshape(1, 3)
            for z in zones:
                if z is b:
                    continue
                lower, _upper = union_distance_bounds([z], c)
                if lower[0] < min(best, 0.0) and self._centre_in_canal(b, entry, canal):
                    d, _ = union_signed_distance([z], c)
                    if d[0] < min(best, 0.0):
                        best, closest = float(d[0]), c[0]
        return best, closest
