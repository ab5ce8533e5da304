"""2D overlay of the predicted damage region (CEM43 >= 240 min): its boundary voxels lying on the
displayed slice, drawn as small dots beside the table zone (an ``overlay(painter, view, slice)``
callable like planner.ui.overlays)."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QPen

from planner.core import palette

DAMAGE_COLOR = QColor(*palette.EXTRA_MASK)  # the damage region's colour in key images and 3D (not the zones' orange)


class DamageOverlay:
    def __init__(self):
        self.points_lps = np.zeros((0, 3))
        self.spacing_mm = 1.0

    def set_result(self, result) -> None:
        """Take the boundary of a ThermalResult's damage region (None clears it)."""
        if result is None:
            self.points_lps = np.zeros((0, 3))
            return
        from planner.thermal.outline import damage_boundary_lps

        self.points_lps = damage_boundary_lps(result)
        self.spacing_mm = float(result.grid.spacing_mm)

    def __call__(self, painter, view, sl) -> None:
        if len(self.points_lps) == 0:
            return
        h = np.abs(view.height_above_slice_mm(self.points_lps))
        near = self.points_lps[h <= max(view.half_thickness_mm(), 0.5 * self.spacing_mm)]
        if len(near) == 0:
            return
        painter.setPen(QPen(DAMAGE_COLOR, 2.0))
        for p in near:
            painter.drawPoint(QPointF(*view.lps_to_screen(p)))
