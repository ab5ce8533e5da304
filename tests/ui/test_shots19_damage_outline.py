"""Screenshot round of issue 19 ("checked as a person would"): on a slice a few mm off the predicted
damage region's centre the 2D views filled the region's section with a solid yellow disc that hid the
bone under it (the lumbar and T11-T12 walkthroughs). The overlay drew every boundary voxel of the
region on the slice, and where the slice runs along the region's cap every voxel of the section is a
boundary voxel (its neighbour above or below is outside). Now only the section's outline is drawn.

Closed form: a damage ball of radius R = 8 mm on a 1 mm grid, centred on the axial slice z0. The axial
slice at z0 + 6 mm (2 mm slices, the view's half thickness 1 mm) holds the grid layers 5, 6 and 7 mm
above the centre, whose sections are discs of radius sqrt(R^2 - h^2) = 6.24, 5.29 and 3.87 mm. Their
outlines lie within a grid step (1 mm, the voxels' own half diagonal included: at most sqrt(2)/2 ~ 0.71
mm more) of those circles, so no dot may lie within 3.87 - 1 - 0.71 ~ 2.1 mm of the ball's axis (the
filled disc drew them down to 0 mm); through the centre (z0) the outline is the R = 8 mm circle's.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from planner.thermal.grid import ThermalGrid
from planner.ui.thermal_overlay import DamageOverlay
from tests.ui.helpers import marker_volume, window_showing

pytestmark = pytest.mark.gui
R_MM = 8.0
CENTRE_LPS = np.array([35.0, 18.0, -10.0])  # on the marker volume's axial slice k = 10 (z = -30 + 2 k)


def _ball_result():
    n = 21
    grid = ThermalGrid(tuple(CENTRE_LPS - 10.0), 1.0, (n, n, n))
    k, j, i = np.mgrid[0:n, 0:n, 0:n]
    damage = (i - 10) ** 2 + (j - 10) ** 2 + (k - 10) ** 2 <= R_MM ** 2
    return SimpleNamespace(grid=grid, damage=damage)


@pytest.fixture
def axial(qtbot):
    volume, _marker = marker_volume()
    w = window_showing(qtbot, volume)
    w.loader.anatomy.cancel()
    w.view3d.cancel_surface()
    w.corridors.shutdown()
    yield w, w.views["axial"]
    w.plan_files.confirm_close = lambda: True


class _Recorder:
    """A painter that keeps the points drawn (the overlay only sets a pen and draws points)."""

    def __init__(self):
        self.points: list[tuple[float, float]] = []

    def setPen(self, pen) -> None:  # noqa: N802 (QPainter's name)
        pass

    def drawPoint(self, point) -> None:  # noqa: N802
        self.points.append((point.x(), point.y()))


def _radii_at(w, view, overlay, z_mm: float) -> np.ndarray:
    """The in-plane distances (mm) from the ball's axis of the dots the overlay draws on slice z_mm."""
    w.state.set_cursor(np.array([CENTRE_LPS[0], CENTRE_LPS[1], z_mm]))
    QApplication.processEvents()
    sl = view.current_slice()
    assert abs(float(view.height_above_slice_mm(np.array([0.0, 0.0, z_mm])))) < 1e-6
    painter = _Recorder()
    overlay(painter, view, sl)
    cx, cy = view.lps_to_screen(CENTRE_LPS)
    dots = np.asarray(painter.points, float).reshape(-1, 2)
    return np.hypot(dots[:, 0] - cx, dots[:, 1] - cy) / view.viewport.scale_px_per_mm


def test_a_slice_along_the_regions_cap_shows_its_outline_not_a_filled_disc(axial):
    w, view = axial
    assert view.half_thickness_mm() == pytest.approx(1.0)  # 2 mm slices
    overlay = DamageOverlay()
    overlay.set_result(_ball_result())
    radial = _radii_at(w, view, overlay, CENTRE_LPS[2] + 6.0)
    assert len(radial) > 20
    inner = np.sqrt(R_MM ** 2 - 7.0 ** 2) - 1.0 - np.sqrt(2.0) / 2.0
    assert radial.min() >= inner, f"dots {radial.min():.2f} mm from the axis: the section is filled"
    assert radial.max() <= np.sqrt(R_MM ** 2 - 5.0 ** 2) + np.sqrt(2.0) / 2.0 + 1e-6
    r_mid = _radii_at(w, view, overlay, CENTRE_LPS[2])
    assert len(r_mid) > 30 and r_mid.min() >= np.sqrt(R_MM ** 2 - 1.0) - 1.0 - np.sqrt(2.0) / 2.0
    assert r_mid.max() <= R_MM + 1e-6
