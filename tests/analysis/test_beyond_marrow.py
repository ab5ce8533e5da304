"""What of a zone lies beyond the vertebra, with the vertebra's own marrow threshold (beyond_vertebra's step 1).

Reference: the zone's part outside TotalSegmentator's T11 and T12 labels (SOURCE.txt: 33, 32; machine-made),
grown by one in-plane voxel (its labels end about a voxel inside the cortex, docs/ctv.md), computed here from
the analytic zone fractions, independent of the planner's bone mask. Zones are spheres placed by voxel on the
T11-T12 scan (k = 9 is T12's mid-body slice; the aorta's lumen lies at i 258-270, j 293-305 there).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from planner.analysis.beyond_vertebra import beyond_vertebra
from planner.analysis.overlap import union_fraction, zones_box
from planner.geometry.raster import VoxelGrid
from planner.geometry.shapes import Ellipsoid
from tests.ts_labels import labels_on_ct

pytestmark = pytest.mark.realdata

#: (i, j, k) centre and radius (mm): zones inside T12's body, and zones reaching in front of it.
INSIDE = {"body centre": ((245, 325, 9), 12.0), "posterior body": ((245, 338, 9), 10.0),
          "lower body": ((245, 325, 6), 12.0), "upper body": ((245, 325, 12), 12.0)}
IN_FRONT = {"into the aorta": ((256, 306, 9), 12.0), "front left": ((262, 314, 9), 12.0),
            "front": ((245, 312, 9), 12.0)}


@pytest.fixture(scope="module", params=["plan level", "linked to the automatic T12"])
def t12(request, t11_t12_ct_dir, t11_t12_volume):
    """(volume, reference mask, vertebra): the training plan's T12 level alone (its centre, typical sizes)
    or, as the session links a needle of that level (``SessionAnatomy.vertebra_for``), the automatic T12's
    measured body under the plan's name."""
    from scipy import ndimage

    from planner.core.resources import resource_path
    from planner.imaging import load_path
    from planner.plan.io import read_plan
    from planner.session.anatomy_state import plan_level_geometry

    volume = t11_t12_volume
    seg = load_path(t11_t12_ct_dir.parent / "totalsegmentator_fast_labels.nii.gz")
    ref = ndimage.binary_dilation(labels_on_ct(volume, seg, (32, 33)), structure=np.ones((1, 3, 3), bool))
    plan = read_plan(resource_path("training", "t11-t12", "t12-right-transpedicular.plan.json"))
    level = plan.level_named("T12")
    if request.param == "plan level":
        return volume, ref, plan_level_geometry(level)
    from planner.session.anatomy_state import same_body_geometry

    linked = same_body_geometry(level, request.getfixturevalue("t11_t12_spine").vertebrae[0])
    assert linked is not None and linked.name == "T12"
    return volume, ref, linked


def _zone(volume, ijk, r):
    return Ellipsoid.sphere(tuple(volume.to_lps(np.array(ijk, float))), r)


def _reference_outside_ml(volume, ref, zone) -> tuple[float, float]:
    grid = VoxelGrid.of(volume)
    box = zones_box(grid, [zone], 0.0)
    frac = union_fraction(grid, [zone], grid.box_points_lps(box)).reshape(volume.hu[box].shape)
    ml = grid.voxel_volume_mm3 / 1000.0
    return float((frac * ~ref[box]).sum() * ml), float(frac.sum() * ml)


@pytest.mark.parametrize("name", sorted(INSIDE))
def test_a_zone_inside_the_osteoporotic_body_is_not_outside(t12, name):
    """At the fixed 200 HU over half of such a zone read "outside" (the marrow under 200 HU); with T12's
    marrow threshold it is within a tenth of the zone's volume of the reference."""
    volume, ref, vertebra = t12
    zone = _zone(volume, *INSIDE[name])
    expected, zone_ml = _reference_outside_ml(volume, ref, zone)
    assert beyond_vertebra(volume, [zone]).outside_ml > expected + 0.3 * zone_ml
    assert beyond_vertebra(volume, [zone], vertebra=vertebra).outside_ml == pytest.approx(expected, abs=0.1 * zone_ml)


@pytest.mark.parametrize("name", sorted(IN_FRONT))
def test_the_aorta_does_not_join_the_vertebra(t12, name):
    """The aorta's lumen (contrast, 135-170 HU) is as dense as T12's marrow and touches its front: a zone
    reaching it keeps its outside part, in front. The body's own marrow in front of its centre is inside
    (the front-left zone read 4.89 mL outside against the reference's 4.15 +- 0.73 mL while only the back
    half took the marrow threshold: the anterior cortex's ring does not close at 200 HU on every slice)."""
    volume, ref, vertebra = t12
    zone = _zone(volume, *IN_FRONT[name])
    expected, zone_ml = _reference_outside_ml(volume, ref, zone)
    got = beyond_vertebra(volume, [zone], vertebra=vertebra)
    assert got.outside_ml == pytest.approx(expected, abs=0.1 * zone_ml)
    assert max(got.directions_ml, key=got.directions_ml.get) == "anterior"


def test_a_dense_lumbar_vertebra_gives_the_same_figures(lumbar_volume, lumbar_spine):
    """L1-L5 of the shared lumbar scan keep 200 HU (so the figures are computed exactly as without a
    vertebra); on L2, with or without its vertebra, the same figures."""
    from planner.anatomy.marrow import vertebra_bone_hu

    named = {v.name: v for v in lumbar_spine.vertebrae if v.name in ("L1", "L2", "L3", "L4", "L5")}
    assert len(named) == 5 and all(vertebra_bone_hu(lumbar_volume, v) == 200.0 for v in named.values())
    l2 = named["L2"]
    for offset in ((0.0, 0.0, 0.0), (0.0, -12.0, 0.0), (15.0, 8.0, 0.0)):
        zone = Ellipsoid.sphere(tuple(np.asarray(l2.body_centre_lps) + offset), 12.0)
        with_l2 = beyond_vertebra(lumbar_volume, [zone], vertebra=l2)
        assert with_l2.level == "L2"  # the vertebra's name, for the words of the findings
        assert replace(with_l2, level="") == beyond_vertebra(lumbar_volume, [zone])


def test_the_session_passes_the_needles_vertebra(t11_t12_volume, t11_t12_canal):
    """A needle linked to T12 with its zone in the body's back half: the evaluation's figure is the
    vertebra-aware one (a small part outside), not the fixed threshold's."""
    from planner.core.resources import resource_path
    from planner.plan.io import read_plan
    from planner.plan.items import Antenna, Needle
    from planner.session.session import PlanningSession

    volume = t11_t12_volume
    s = PlanningSession()
    s.auto_evaluate = False
    s.set_volume(volume)
    s.set_canal(t11_t12_canal.mask.copy())
    s.open_plan(read_plan(resource_path("training", "t11-t12", "t12-right-transpedicular.plan.json")))
    entry = s.plan.needles[0].entry_lps
    needle = Needle(tuple(entry), tuple(float(x) for x in volume.to_lps(np.array((240, 335, 9), float))),
                    level="T12", side="right")
    s.plan.insert(needle)
    antenna = Antenna(needle.id, power_w=20.0, time_s=120.0, extension_mm=0.0)
    s.plan.insert(antenna)
    result = s.evaluate(corridors=True).beyond[antenna.id]
    zone = next(z.zone for z in s.zone_results() if z.antenna_id == antenna.id)
    fixed = beyond_vertebra(volume, [zone])
    assert result.outside_ml < 0.5 * fixed.outside_ml
    assert result == beyond_vertebra(volume, [zone], vertebra=s.anatomy.vertebra_for(s.plan.levels, needle),
                                     lesion_inside=s.lesion_inside())
