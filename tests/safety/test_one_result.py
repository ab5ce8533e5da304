"""The views draw the evaluation's numbers: one zone ∩ canal region, true antenna diameters (issue 15)."""

import math

import numpy as np
import pytest

from planner.ablation.devices import load_library
from planner.analysis.analyze import analyze
from planner.analysis.overlap import PreparedCanal
from planner.geometry.raster import VoxelGrid, rasterise
from planner.geometry.shapes import Cylinder, Ellipsoid


def _grid():
    m = np.eye(4)
    m[:3, :3] = np.diag((0.8, 0.8, 1.25))
    m[:3, 3] = (-51.2, -51.2, -60.0)
    return VoxelGrid((96, 128, 128), m)


@pytest.fixture(scope="module")
def canal():
    grid = _grid()
    mask, box = rasterise(grid, Cylinder([0, 20, -200], [0, 20, 200], 8.0))
    full = np.zeros(grid.shape_kji, bool)
    full[box] = mask
    return grid, PreparedCanal.build(grid, full)


def test_overlap_region_is_the_zone_inside_the_canal(canal):
    grid, prepared = canal
    r = 6.0  # a sphere wholly inside the 8 mm canal: zone ∩ canal = the sphere, 4/3 pi r^3
    zone = Ellipsoid(np.array([0.0, 20.0, 0.0]), np.eye(3), np.array([r, r, r]))
    res = analyze(grid, prepared, [zone])
    region = res.canal_overlap
    assert region is not None
    volume_mm3 = region.mask.sum() * grid.voxel_volume_mm3
    assert volume_mm3 == pytest.approx(4 / 3 * math.pi * r ** 3, rel=0.03)
    assert res.canal_overlap_ml * 1000 == pytest.approx(4 / 3 * math.pi * r ** 3, rel=0.01)
    inside = res.overlap_at(grid, [[0, 20, 0], [0, 20, r - 1.0], [0, 20, r + 1.5], [0, 35, 0]])
    assert inside.tolist() == [True, True, False, False]


def test_no_overlap_region_when_the_zone_is_clear(canal):
    grid, prepared = canal
    zone = Ellipsoid(np.array([0.0, -20.0, 0.0]), np.eye(3), np.array([6.0, 6.0, 6.0]))
    res = analyze(grid, prepared, [zone])
    assert res.canal_overlap is None and not res.overlap_at(grid, [[0, -20, 0]]).any()


def test_3d_overlap_shows_the_evaluation_region(canal):
    from planner.render.mask_surfaces import OverlapHighlight
    from vtkmodules.vtkRenderingCore import vtkRenderer

    grid, prepared = canal
    zone = Ellipsoid(np.array([0.0, 20.0, 0.0]), np.eye(3), np.array([6.0, 6.0, 6.0]))
    res = analyze(grid, prepared, [zone])

    class Ev:
        analysis = res
        planned_zones = ()  # nothing to recompute from: the region must come from the analysis

    highlight = OverlapHighlight(vtkRenderer())
    assert highlight.update_from_evaluation(grid, Ev(), prepared.mask) == int(res.canal_overlap.mask.sum()) > 0


def test_2d_antenna_width_is_the_devices(qapp=None):
    from planner.ui.plan_overlays import PlanOverlay

    library = load_library()

    class Session:
        devices = library

    class A:
        device_id = ""

    overlay = PlanOverlay(Session(), selection=None)
    widths = set()
    for device_id, device in library.devices.items():
        A.device_id = device_id
        assert overlay._antenna_diameter_mm(A) == pytest.approx(device.diameter_mm)
        widths.add(device.diameter_mm)
    assert len(widths) > 1  # the shipped library has 1.6 mm and 1.47 mm (17G) devices


def test_gauges_live_in_the_device_library():
    from planner.ablation.needles import NEEDLE_GAUGES
    from planner.plan import vocab
    from planner.plan.items import Needle, Thermocouple

    # DOMAIN.md "Access geometry": 10G 3.40, 11G 3.05, 13G 2.41, 16G 1.65 mm
    expected = {"10G": 3.40, "11G": 3.05, "13G": 2.41, "16G": 1.65}
    assert {k: g.outer_diameter_mm for k, g in NEEDLE_GAUGES.items()} == expected
    assert vocab.GAUGE_OUTER_DIAMETER_MM is __import__("planner.ablation.needles", fromlist=["x"]).GAUGE_OUTER_DIAMETER_MM
    for gauge, mm in expected.items():
        assert Needle((0, 0, 0), (0, 0, 50), gauge=gauge).outer_diameter_mm == mm
        assert Thermocouple((0, 0, 0), (0, 0, 50), gauge=gauge).outer_diameter_mm == mm
