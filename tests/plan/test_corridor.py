"""Corridor check on a synthetic pedicle phantom with closed-form answers (tests/plan/corridor_phantom.py)."""

import math

import numpy as np
import pytest

from planner.analysis.corridor import CorridorParams, check_corridor, gertzbein_robbins_grade
from planner.core.errors import OutOfRangeError, PlanError
from planner.core.volume import ImageVolume

from .corridor_phantom import PEDICLE_OUTER_R, PEDICLE_X, SKIN_Y, SPACING, build_phantom

R_13G = 2.41 / 2
VOXEL = SPACING


@pytest.fixture(scope="module")
def phantom():
    return build_phantom()


def run(phantom, entry, tip, side="right", **kw):
    vol, canal = phantom
    return check_corridor(vol, entry, tip, 2.41, side=side, canal_mask=canal, **kw)


def test_needle_down_the_pedicle_axis_is_clean(phantom):
    r = run(phantom, (PEDICLE_X, 80, 0), (PEDICLE_X, -5, 0))
    assert r.breaches == () and r.grade == 0 and r.max_breach_mm == 0.0
    assert not r.enters_canal and r.canal_entry_depth_mm is None
    assert r.length_mm == pytest.approx(85)
    assert r.length_in_bone_mm == pytest.approx(35, abs=VOXEL)  # pedicle y 30..9 then body to y = -5
    assert r.bone_entry_depth_mm == pytest.approx(80 - 30, abs=VOXEL)
    assert r.depth_from_skin_mm == pytest.approx(SKIN_Y + 5, abs=VOXEL / 2)
    assert r.skin_to_entry_mm == pytest.approx(-(80 - SKIN_Y), abs=VOXEL / 2)  # entry placed in the air
    np.testing.assert_allclose(r.skin_lps, (PEDICLE_X, SKIN_Y, 0), atol=VOXEL / 2)
    assert any("75.0 mm" in f for f in r.findings())


@pytest.mark.parametrize("offset", [2.5, 3.0, 3.5, 4.0, 5.0])
def test_medially_displaced_needle_breach_depth(phantom, offset):
    r = run(phantom, (PEDICLE_X + offset, 80, 0.25), (PEDICLE_X + offset, -5, 0.25))
    expected = offset + R_13G - PEDICLE_OUTER_R  # how far the needle surface passes the cortex edge
    if expected <= 0:
        assert r.breaches == ()
        return
    assert r.max_breach_mm == pytest.approx(expected, abs=VOXEL)
    assert r.grade == gertzbein_robbins_grade(expected)
    worst = r.worst_breach
    assert worst.direction == "medial"
    assert worst.direction_lps[0] > 0.9  # toward +x, the midline for a right pedicle
    # The breach lies along the pedicle (y 30..9), not in the body.
    assert 80 - 30 <= worst.start_depth_mm and worst.end_depth_mm <= 80 - 9 + VOXEL
    # The canal's lateral wall is 1.5 mm medial of the pedicle surface.
    assert r.enters_canal == (offset + R_13G > PEDICLE_OUTER_R + 1.5)
    if r.enters_canal:
        assert r.canal_entry_depth_mm == pytest.approx(80 - 29, abs=VOXEL)


def test_lateral_and_superior_breaches(phantom):
    lateral = run(phantom, (PEDICLE_X - 3.5, 80, 0), (PEDICLE_X - 3.5, -5, 0))
    assert lateral.worst_breach.direction == "lateral" and not lateral.enters_canal
    assert lateral.max_breach_mm == pytest.approx(3.5 + R_13G - 4, abs=VOXEL)
    superior = run(phantom, (PEDICLE_X, 80, 3.8), (PEDICLE_X, -5, 3.8))
    assert superior.worst_breach.direction == "superior"
    assert superior.max_breach_mm == pytest.approx(3.8 + R_13G - 4, abs=VOXEL)


def test_left_pedicle_medial_is_toward_minus_x(phantom):
    r = run(phantom, (-PEDICLE_X - 4.0, 80, 0), (-PEDICLE_X - 4.0, -5, 0), side="left")
    assert r.worst_breach.direction == "medial"
    assert r.max_breach_mm == pytest.approx(R_13G, abs=VOXEL)


@pytest.mark.parametrize("angle_deg", [12.0, 18.0, 22.0])
def test_needle_aimed_medially_breaches_into_the_canal(phantom, angle_deg):
    # Enters the pedicle on its axis at y = 30 and turns medially; the tip stops at y = 12, before the body.
    t = math.tan(math.radians(angle_deg))
    entry = (PEDICLE_X - 30 * t, 60.0, 0.0)
    tip = (PEDICLE_X + 18 * t, 12.0, 0.0)
    r = run(phantom, entry, tip)
    # Closed form at the tip: the tube cut obliquely is an ellipse of semi-axis R/cos(angle) medially.
    c = math.cos(math.radians(angle_deg))
    expected = R_13G - (PEDICLE_OUTER_R - 18 * t) / c
    assert r.max_breach_mm == pytest.approx(expected, abs=VOXEL)
    assert r.grade == gertzbein_robbins_grade(expected)
    assert r.worst_breach.direction == "medial"
    medial_surface_x = tip[0] + R_13G * c
    assert r.enters_canal == (medial_surface_x > -9.5 + VOXEL / 2) or abs(medial_surface_x + 9.5) < VOXEL
    if angle_deg >= 18:
        assert r.enters_canal and any("spinal canal" in f for f in r.findings())


def test_vertebra_axes_name_the_directions(phantom):
    # A vertebra whose own left-right axis is the patient's z: the medial (+x) breach is then inferior.
    axes = ((0, 0, 1), (0, 1, 0), (-1, 0, 0))
    r = run(phantom, (PEDICLE_X + 4, 80, 0), (PEDICLE_X + 4, -5, 0), axes=axes)
    assert r.worst_breach.direction == "inferior"


def test_flipped_grid_gives_the_same_answer(phantom):
    vol, canal = phantom
    # Same anatomy stored with the i axis pointing to the patient's right (direction column -x).
    ni = vol.shape_ijk[0]
    flipped = ImageVolume(
        hu=vol.hu[:, :, ::-1].copy(),
        spacing_mm=vol.spacing_mm,
        origin_lps=(vol.origin_lps[0] + (ni - 1) * SPACING, vol.origin_lps[1], vol.origin_lps[2]),
        direction=np.diag([-1.0, 1.0, 1.0]),
    )
    a = check_corridor(vol, (PEDICLE_X + 4, 80, 0), (PEDICLE_X + 4, -5, 0), 2.41, canal_mask=canal)
    b = check_corridor(flipped, (PEDICLE_X + 4, 80, 0), (PEDICLE_X + 4, -5, 0), 2.41, canal_mask=canal[:, :, ::-1])
    assert b.max_breach_mm == pytest.approx(a.max_breach_mm, abs=1e-6)
    assert b.canal_entry_depth_mm == a.canal_entry_depth_mm and b.length_in_bone_mm == a.length_in_bone_mm


def test_foramen_mask_and_thicker_needle(phantom):
    vol, canal = phantom
    foramen = np.zeros_like(canal)
    k, j, i = np.round(vol.to_ijk((PEDICLE_X + 3.5, 20.0, 0.0))[::-1]).astype(int)
    foramen[k - 2 : k + 3, j - 2 : j + 3, i : i + 6] = True  # a small box just medial of the needle axis
    r = check_corridor(vol, (PEDICLE_X, 80, 0), (PEDICLE_X, -5, 0), 2.41, foramen_mask=foramen)
    assert not r.enters_foramen
    thick = check_corridor(vol, (PEDICLE_X, 80, 0), (PEDICLE_X, -5, 0), 8.0, foramen_mask=foramen)  # 4 mm radius
    assert thick.enters_foramen and thick.foramen_entry_depth_mm == pytest.approx(80 - 21, abs=1.5)


def test_no_skin_when_the_scan_cuts_the_body(phantom):
    vol, _ = phantom
    r = check_corridor(vol, (PEDICLE_X, 40, 0), (PEDICLE_X, -5, 0), 2.41, side="right")
    # The line extended backwards leaves the CT through the back skin at y = 70: skin found.
    assert r.depth_from_skin_mm == pytest.approx(75, abs=VOXEL)
    # Laterally (x) the body reaches the CT's edge: no air, so no skin along a lateral line.
    r2 = check_corridor(vol, (-25, 20, 0), (-18, 20, 0), 2.41, side="right")
    assert r2.skin_lps is None and r2.depth_from_skin_mm is None
    assert any("No skin" in f for f in r2.findings())


def test_errors(phantom):
    vol, canal = phantom
    with pytest.raises(PlanError, match="canal mask"):
        check_corridor(vol, (PEDICLE_X, 80, 0), (PEDICLE_X, -5, 0), 2.41, canal_mask=canal[1:])
    with pytest.raises(OutOfRangeError, match="outside the CT"):
        check_corridor(vol, (500, 80, 0), (500, -5, 0), 2.41)


@pytest.mark.parametrize("depth, grade", [(0.0, 0), (0.5, 1), (1.99, 1), (2.0, 2), (4.0, 2), (4.01, 3), (float("nan"), 0)])
def test_gertzbein_robbins_grades(depth, grade):
    assert gertzbein_robbins_grade(depth) == grade


def test_lytic_pedicle_inside_intact_cortex_counts_as_bone(phantom):
    vol, canal = phantom
    # Replace the pedicles' cancellous bone (300 HU) by soft-tissue-density tumour (60 HU), body untouched.
    hu = vol.hu.copy()
    j_body_end = int(round((9.0 - vol.origin_lps[1]) / SPACING))
    pedicles = hu[:, j_body_end + 2 :, :]
    pedicles[pedicles == 300] = 60
    lytic = ImageVolume(hu=hu, spacing_mm=vol.spacing_mm, origin_lps=vol.origin_lps)
    r = check_corridor(lytic, (PEDICLE_X, 80, 0), (PEDICLE_X, -5, 0), 2.41, canal_mask=canal)
    assert r.breaches == ()  # the intact cortical ring encloses the lesion: still inside the pedicle
    assert r.length_in_bone_mm == pytest.approx(35, abs=VOXEL)
    # The thresholds are configurable: when the cortex is not recognised as cortical bone, the
    # lytic pedicle no longer counts as bone and the same needle runs outside it.
    blind = check_corridor(lytic, (PEDICLE_X, 80, 0), (PEDICLE_X, -5, 0), 2.41, params=CorridorParams(cortical_hu=1500))
    assert blind.length_in_bone_mm < 20
