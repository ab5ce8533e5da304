"""Beyond the vertebra with the vertebra's marrow threshold, on a synthetic CT with closed forms.

A vertebral body: a 41 mm cube of marrow (|x|, |y|, |z| <= 20 mm voxel centres, 1 mm voxels) of
osteoporotic density, 140 / 160 HU in a 3-D checkerboard (its 1 mm smoothing is 150 HU everywhere, so
the marrow rule's threshold is 150 HU: the 10th percentile of the smoothed core, below 200); a 600 HU
cortex on its left, right and front faces (2 voxels) and none at the back, so at 200 HU no slice's ring
closes. In front of it, touching the cortex, a contrast-filled "vessel" slab (y -30..-21 mm, |x| <= 15)
at 170 HU: denser than the marrow threshold. Soft tissue 40 HU elsewhere.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from planner.analysis.beyond_vertebra import beyond_vertebra
from planner.anatomy.marrow import vertebra_bone_hu
from planner.core.volume import ImageVolume
from planner.geometry.shapes import Ellipsoid


@pytest.fixture(scope="module")
def phantom():
    c = np.arange(71) - 35.0
    zz, yy, xx = np.meshgrid(c, c, c, indexing="ij")
    body = (np.abs(xx) <= 20) & (np.abs(yy) <= 20) & (np.abs(zz) <= 20)
    hu = np.full(xx.shape, 40, np.int16)
    parity = (xx + yy + zz).astype(int) % 2 == 0
    hu[body] = np.where(parity, 160, 140)[body]
    cortex = body & ((np.abs(xx) >= 19) | (yy <= -19))
    hu[cortex] = 600
    hu[(yy >= -30) & (yy <= -21) & (np.abs(xx) <= 15)] = 170
    volume = ImageVolume(hu, (1.0, 1.0, 1.0), (-35.0, -35.0, -35.0))
    vertebra = SimpleNamespace(body_centre_lps=(0.0, 0.0, 0.0), axes_lps=np.eye(3), width_mm=41.0, depth_mm=41.0,
                               height_mm=41.0)
    return volume, vertebra


def test_the_marrow_threshold_is_the_smoothed_marrow(phantom):
    volume, vertebra = phantom
    assert vertebra_bone_hu(volume, vertebra) == pytest.approx(150.0, abs=0.5)


def test_a_zone_in_the_marrow_is_inside(phantom):
    """r = 8 mm sphere at y = -5 mm, all in the marrow: at 200 HU the open ring leaves the marrow outside
    (the whole sphere, 4/3 pi r^3 = 2.145 mL, counts); with the vertebra's threshold the back half is bone,
    the front half's ring closes and is filled: nothing outside."""
    volume, vertebra = phantom
    zone = Ellipsoid.sphere((0.0, -5.0, 0.0), 8.0)
    assert beyond_vertebra(volume, [zone]).outside_ml == pytest.approx(4.0 / 3.0 * np.pi * 8.0**3 / 1000.0, rel=0.02)
    assert beyond_vertebra(volume, [zone], vertebra=vertebra).outside_ml == 0.0


def test_the_vessel_in_front_stays_outside(phantom):
    """r = 8 mm sphere at y = -18.5 mm: the cortex's outer face is at y = -20.5 mm (its voxel's edge), so the
    cap in front, in the 170 HU vessel, has height h = 6 mm, V = pi h^2 (3 r - h) / 3 = 0.679 mL, anterior.
    Were the marrow threshold used in front of the body's centre too, the vessel would join the vertebra."""
    volume, vertebra = phantom
    zone = Ellipsoid.sphere((0.0, -18.5, 0.0), 8.0)
    cap_ml = np.pi * 36.0 * (24.0 - 6.0) / 3.0 / 1000.0
    got = beyond_vertebra(volume, [zone], vertebra=vertebra)
    assert got.outside_ml == pytest.approx(cap_ml, rel=0.03)
    assert set(got.directions_ml) == {"anterior"}
    assert got.max_beyond_mm == pytest.approx(6.0, abs=1.0)


def test_no_vertebra_or_a_dense_one_keeps_200_hu(phantom):
    volume, _ = phantom
    zone = Ellipsoid.sphere((0.0, -5.0, 0.0), 8.0)
    dense = ImageVolume(np.where(volume.hu == 140, 300, np.where(volume.hu == 160, 320, volume.hu)).astype(np.int16),
                        (1.0, 1.0, 1.0), (-35.0, -35.0, -35.0))
    vertebra = SimpleNamespace(body_centre_lps=(0.0, 0.0, 0.0), axes_lps=np.eye(3), width_mm=41.0, depth_mm=41.0,
                               height_mm=41.0)
    assert vertebra_bone_hu(dense, vertebra) == 200.0
    assert beyond_vertebra(dense, [zone], vertebra=vertebra) == beyond_vertebra(dense, [zone])
    # without a vertebra: the fixed threshold (the zone touches no bone there: no vertebra found, all outside)
    fixed, none = beyond_vertebra(volume, [zone]), beyond_vertebra(volume, [zone], vertebra=None)
    assert (none.outside_ml, none.found_vertebra) == (fixed.outside_ml, fixed.found_vertebra)
    assert not fixed.found_vertebra
