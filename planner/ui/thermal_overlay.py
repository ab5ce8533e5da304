"""2D overlay of the predicted damage region (CEM43 >= 240 min): the outline of its section by the
displayed slice, drawn as small dots beside the table zone (an ``overlay(painter, view, slice)``
callable like planner.ui.overlays).

The outline is the region's boundary voxels lying on the slice that have a neighbour outside the
region *in the slice's plane* (one grid step along the slice's two axes). A boundary voxel is one with
any face neighbour outside, so where the slice runs along the region's top or bottom (its cap) every
voxel of the section is a boundary voxel: drawn as they were, they filled the section with a solid
yellow disc that hid the bone under it (screenshot round of issue 19, the lumbar and T11-T12 scans,
a slice a few mm off the zone's centre)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QPen

from planner.core import palette
from planner.core.frames import array_shape_to_ijk

DAMAGE_COLOR = QColor(*palette.EXTRA_MASK)  # the damage region's colour in key images and 3D (not the zones' orange)


class DamageOverlay:
    def __init__(self):
        self.points_lps = np.zeros((0, 3))
        self.spacing_mm = 1.0
        self._mask = np.zeros((0, 0, 0), bool)  # the damage region on the model's grid (k, j, i)
        self._origin_lps = np.zeros(3)

    def set_result(self, result) -> None:
        """Take the boundary of a ThermalResult's damage region (None clears it)."""
        if result is None:
            self.points_lps = np.zeros((0, 3))
            self._mask = np.zeros((0, 0, 0), bool)
            return
        from planner.thermal.outline import damage_boundary_lps

        self.points_lps = damage_boundary_lps(result)
        self.spacing_mm = float(result.grid.spacing_mm)
        self._mask = np.asarray(result.damage, dtype=bool)
        self._origin_lps = np.asarray(result.grid.origin_lps, float)

    def _inside(self, points_lps: np.ndarray) -> np.ndarray:
        """Which of the (n, 3) LPS points fall in a damage voxel (nearest voxel of the model's grid, whose
        axes are the patient's, planner.thermal.grid.ThermalGrid; outside the grid is outside)."""
        ijk = np.rint((points_lps - self._origin_lps) / self.spacing_mm).astype(int)
        shape_ijk = np.array(array_shape_to_ijk(self._mask.shape))
        ok = np.all((ijk >= 0) & (ijk < shape_ijk), axis=1)
        out = np.zeros(len(points_lps), bool)
        i, j, k = ijk[ok].T
        out[ok] = self._mask[k, j, i]
        return out

    def outline_lps(self, view, sl) -> np.ndarray:
        """(n, 3) LPS centres of the dots drawn on ``sl``: boundary voxels within the slice's half
        thickness (at least half a grid step) with a neighbour outside the region one grid step along
        the slice's u or v axis."""
        if len(self.points_lps) == 0:
            return np.zeros((0, 3))
        h = np.abs(view.height_above_slice_mm(self.points_lps))
        near = self.points_lps[h <= max(view.half_thickness_mm(), 0.5 * self.spacing_mm)]
        if len(near) == 0 or self._mask.size == 0:
            return near
        step = self.spacing_mm
        u, v = np.asarray(sl.plane.u_lps, float), np.asarray(sl.plane.v_lps, float)
        rim = np.zeros(len(near), bool)
        for d in (u, -u, v, -v):
            rim |= ~self._inside(near + step * d)
        return near[rim]

    def __call__(self, painter, view, sl) -> None:
        near = self.outline_lps(view, sl)
        if len(near) == 0:
            return
        painter.setPen(QPen(DAMAGE_COLOR, 2.0))
        for p in near:
            painter.drawPoint(QPointF(*view.lps_to_screen(p)))
