"""Reachability of a CTV by straight antennas through safe corridors, and the zone-canal clearance.

For every allowed needle tip of every line of the fans (:mod:`planner.planning.access`) the zone of
the chosen device, power and time is placed at the antenna tip (needle tip + extension; the zone model
of :func:`planner.ablation.zones.zone_for_antenna`); it counts only when its surface stays at least
``canal_margin_mm`` (default 2 mm) from the spinal canal. A CTV voxel is reachable from a side when
one such zone on that side contains its centre. The map (uint8 on the CT grid) holds 0 outside the
CTV, then :data:`NEITHER`, :data:`LEFT`, :data:`RIGHT`, :data:`BOTH`.

Clearance: the Euclidean distance map of the canal (mm, computed once on a box around the level) is
interpolated at 400 points of the zone's surface; the smallest value is the clearance (it is exact to
about half a voxel for a zone outside the canal; proposals are re-analysed exactly afterwards).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from planner.core.frames import ijk_to_kji, kji_to_ijk, spacing_kji
from planner.core.lazy import lazy_module
from planner.core.progress import check_cancel
from planner.ablation.devices import Device
from planner.core.volume import ImageVolume
from planner.planning.access import (SIDES, AccessParams, Line, body_mask, evaluate_line, fan, level_slices,
                                     mask_inside, search_corridor)
from planner.planning.map_cache import cached_map, map_key
from planner.planning.needle_canal import CanalSurfaceDistance, padded_box
from planner.planning.shots import Protocol, Shot, ZoneBatch, surface_offsets, zone_batch  # noqa: F401 (re-exported)

ndimage = lazy_module("scipy.ndimage")  # imported on first use (start-up time)

NEITHER, LEFT, RIGHT, BOTH = 1, 2, 3, 4
MAP_NAMES = {NEITHER: "neither", LEFT: "left only", RIGHT: "right only", BOTH: "both"}


@dataclass(frozen=True, eq=False)
class CanalDistance:
    """Distance (mm) outside the canal on a box around the CTV (Euclidean distance map, built once).

    Outside the box the distance counts as 0, so a zone reaching out of it is refused (the box is
    padded by ``pad_mm``, more than the largest zone's semi-axis).
    """

    volume: ImageVolume
    box: tuple | None
    dist_mm: np.ndarray | None
    outside_mm: float = 0.0

    @classmethod
    def build(cls, volume: ImageVolume, canal_mask: np.ndarray | None, around: np.ndarray, pad_mm: float = 30.0,
              outside_mm: float = 0.0):
        if canal_mask is None:
            return cls(volume, None, None, outside_mm)
        box = padded_box(volume, around, pad_mm)
        local = None if box is None else np.asarray(canal_mask[box], bool)
        if local is None or not local.any():
            return cls(volume, None, None, outside_mm)
        sp = spacing_kji(volume.spacing_mm)
        dist = cached_map(map_key("canal_edt", volume, box, local),  # kept between calls (planning/map_cache.py)
                          lambda: ndimage.distance_transform_edt(~local, sampling=sp).astype(np.float32))
        return cls(volume, box, dist, outside_mm)

    @classmethod
    def around_level(cls, volume: ImageVolume, canal_mask, sectors, ctv_mask: np.ndarray, pad_mm: float = 30.0):
        """One map on a box holding the vertebra and the CTV (``pad_mm`` around them): for the zones'
        clearance (outside the box 0)."""
        return cls.build(volume, canal_mask, (sectors.labels > 0) | np.asarray(ctv_mask, bool), pad_mm)

    def at(self, points_lps: np.ndarray) -> np.ndarray:
        """Interpolated distance (mm) at LPS points; ``outside_mm`` outside the box."""
        if self.dist_mm is None:
            return np.full(len(points_lps), np.inf)
        ijk = self.volume.to_ijk(points_lps)
        coords = ijk_to_kji(ijk).T - np.array([s.start for s in self.box])[:, None]
        return ndimage.map_coordinates(self.dist_mm, coords, order=1, mode="constant", cval=self.outside_mm)

    def zone_clearance_mm(self, ellipsoid) -> float:
        """Smallest canal distance over the zone's surface (0 or less: the zone reaches the canal)."""
        return float(self.clearances_mm([ellipsoid])[0])

    def clearances_mm(self, ellipsoids) -> np.ndarray:
        """:meth:`zone_clearance_mm` of many zones at once."""
        if self.dist_mm is None or not len(ellipsoids):
            return np.full(len(ellipsoids), np.inf)
        surf = np.stack([e.centre_lps + surface_offsets(e.axes, e.semi_axes_mm) for e in ellipsoids])
        return self.clearances_at(surf, np.stack([e.centre_lps for e in ellipsoids]))

    def clearances_at(self, surface_lps: np.ndarray, centres_lps: np.ndarray) -> np.ndarray:
        """Smallest canal distance over each zone's surface points ``(n, m, 3)``; -1 where the zone's
        centre ``(n, 3)`` lies in the canal."""
        if self.dist_mm is None or not len(centres_lps):
            return np.full(len(centres_lps), np.inf)
        n, m = surface_lps.shape[:2]
        pts = np.concatenate([surface_lps.reshape(-1, 3), centres_lps])
        ijk = self.volume.to_ijk(pts)
        coords = ijk_to_kji(ijk).T - np.array([s.start for s in self.box])[:, None]
        d = ndimage.map_coordinates(self.dist_mm, coords, order=1, mode="constant", cval=0.0)
        out = d[: n * m].reshape(n, m).min(axis=1)
        out[d[n * m:] <= 0] = -1.0  # centre in the canal
        return out


def half_voxel_mm(volume) -> float:
    """Half the largest in-plane voxel side: the clearance is measured between voxel centres, the
    analysis reports it to the voxel's edge, so the search asks for this much more (the canal's edge
    near a zone faces it mostly in plane; proposals are re-measured exactly afterwards)."""
    return 0.5 * float(max(volume.spacing_mm[:2]))


def shots_for(lines, device: Device, protocol: Protocol, volume, sectors, canal: CanalDistance,
              ctv_points: np.ndarray, margin_mm: float, tree=None, stats: dict | None = None,
              batch: ZoneBatch | None = None) -> list[Shot]:
    """Every allowed tip of ``lines`` with ``protocol`` whose zone keeps ``margin_mm`` off the canal
    (``batch``: the :func:`~planner.planning.shots.zone_batch` of these lines and protocol, when made already)."""
    from scipy.spatial import cKDTree

    tree = cKDTree(ctv_points) if tree is None else tree
    batch = zone_batch(lines, device, protocol, volume, sectors, canal) if batch is None else batch
    if stats is not None and len(batch):
        stats["best_clearance_mm"] = max(stats.get("best_clearance_mm", -np.inf), float(np.max(batch.clearance_mm)))
    return batch.shots(margin_mm, ctv_points, tree)


@dataclass(frozen=True, eq=False)
class Reachability:
    """The reachability map and its summary."""

    map: np.ndarray
    voxel_ml: float
    lines: dict = field(default_factory=dict)  # side -> list[Line]
    shots: dict = field(default_factory=dict)  # side -> list[Shot]

    def ml(self, code: int) -> float:
        return float(np.count_nonzero(self.map == code) * self.voxel_ml)

    @property
    def unreachable_ml(self) -> float:
        return self.ml(NEITHER)

    @property
    def ctv_ml(self) -> float:
        return float(np.count_nonzero(self.map) * self.voxel_ml)

    def summary(self) -> dict:
        return {MAP_NAMES[c]: round(self.ml(c), 3) for c in MAP_NAMES} | {"ctv_ml": round(self.ctv_ml, 3)}

    def infeasible_reason(self, best_clearance_mm: dict | None = None) -> str | None:
        """None when some zone is allowed; else which constraint failed and by how much, per side
        (``best_clearance_mm``: side -> the best zone's canal clearance, for a side whose lines have tips)."""
        if any(self.shots.get(s) for s in SIDES):
            return None
        parts = []
        for side in SIDES:
            worst: dict[str, float] = {}
            n_tips = 0
            for line in self.lines.get(side, []):
                n_tips += len(line.tip_depths_mm)
                for k, v in line.rejected.items():
                    worst[k] = min(worst.get(k, np.inf), v)
            best = (best_clearance_mm or {}).get(side)
            if n_tips:
                worst = {"zone within the canal margin" + ("" if best is None else
                                                           f" (its best zone {max(best, 0.0):.1f} mm from the canal)"): 0.0}
            text = "; ".join(f"{k}" + (f" (by {v:.1f} mm at best)" if v > 0 else "") for k, v in sorted(worst.items()))
            parts.append(f"{side}: {text or 'no line could be tried'}")
        return "No safe corridor on either side - " + " | ".join(parts)


def prepare_lines(volume, sectors, canal_mask, foramen_mask, params: AccessParams, extension_mm: float,
                  body: np.ndarray | None = None, lesion_mask: np.ndarray | None = None,
                  corridor=None, cancel=None) -> dict:
    """side -> the fan's evaluated lines (one corridor check per line). The needles' clearance runs to
    the canal's sub-voxel surface (:class:`~planner.planning.needle_canal.CanalSurfaceDistance`, on a
    box holding the vertebra and 20 mm). ``corridor``: what the session's check of a needle reads
    (:class:`~planner.planning.recheck.CorridorInputs`): the search's check then counts bone with the
    same thresholds (:func:`~planner.planning.access.search_corridor`) and the same "inside the
    vertebra" rule (the linked vertebra's body outline or the lesion) as the re-check of the options.
    ``cancel`` is asked before each line's check (:func:`~planner.core.progress.check_cancel`)."""
    from planner.analysis.vertebra_rule import inside_vertebra

    body = body_mask(volume, params.body_hu, level_slices(volume, sectors)) if body is None else body
    # beyond the box the needle is far from the canal (the box holds the vertebra and 20 mm)
    needle_clearance = CanalSurfaceDistance.build(volume, canal_mask, sectors.labels > 0, pad_mm=20.0, outside_mm=1e3)
    lesion_inside = mask_inside(volume, lesion_mask)  # built once for all lines
    check_params = search_corridor(None if corridor is None else corridor.params)
    if corridor is not None:
        lesion_inside = inside_vertebra(corridor.vertebra, lesion_inside)
    out = {}
    for side in SIDES:
        try:
            fan_lines = fan(volume, sectors, side, params)
        except Exception as exc:  # no pedicle on that side
            from planner.core.errors import PlannerError

            if not isinstance(exc, PlannerError):
                raise
            out[side] = [Line(side, "transpedicular", sectors.frame.level.centre_lps, np.array([0.0, -1.0, 0.0]),
                              np.zeros(0), {str(exc): 0.0})]
            continue
        out[side] = []
        for a, pivot, d in fan_lines:
            check_cancel(cancel, "the access proposal")
            out[side].append(evaluate_line(volume, sectors, body, canal_mask, foramen_mask, side, a, pivot, d,
                                           extension_mm, params, lesion_mask, needle_clearance.at, lesion_inside,
                                           check_params, None if corridor is None else corridor.body))
    return out


def reachability(volume: ImageVolume, sectors, ctv_mask: np.ndarray, canal_mask, device: Device,
                 protocol: Protocol, params: AccessParams | None = None, foramen_mask=None,
                 canal_margin_mm: float = 2.0, lines: dict | None = None, body=None,
                 lesion_mask: np.ndarray | None = None, corridor=None) -> Reachability:
    """The map "reachable from the left / right / both / neither" over ``ctv_mask`` (module text);
    ``corridor``: as for :func:`prepare_lines`."""
    p = params or AccessParams()
    canal = CanalDistance.around_level(volume, canal_mask, sectors, ctv_mask)  # one distance map for both uses
    lines = lines or prepare_lines(volume, sectors, canal_mask, foramen_mask, p, protocol.extension_mm, body,
                                   lesion_mask, corridor)
    kji = np.argwhere(ctv_mask)
    pts = volume.to_lps(kji_to_ijk(kji).astype(float))
    reach = {}
    shots = {}
    margin = canal_margin_mm + half_voxel_mm(volume)
    for side in SIDES:
        shots[side] = shots_for(lines[side], device, protocol, volume, sectors, canal, pts, margin)
        reach[side] = np.zeros(len(pts), bool)
        for s in shots[side]:
            reach[side] |= s.covers
    code = np.full(len(pts), NEITHER, np.uint8)
    code[reach["left"] & ~reach["right"]] = LEFT
    code[reach["right"] & ~reach["left"]] = RIGHT
    code[reach["left"] & reach["right"]] = BOTH
    out = np.zeros(volume.hu.shape, np.uint8)
    out[tuple(kji.T)] = code
    return Reachability(out, float(np.prod(volume.spacing_mm)) / 1000.0, lines, shots)
