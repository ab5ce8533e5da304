"""Corridor breach across a gap between two bones along the needle (issue 17), closed form.

Phantom: cortical bone (1000 HU) fills the box x, z in [-20, 20] mm for y in [10, 30] and in
[30 + GAP, 50]; soft tissue (40 HU) elsewhere; 0.5 mm voxels, the two faces at voxel edges. A needle
along y (x = z = 0) crosses the gap between the two faces. The nearest bone to any point of its
surface in the gap is the nearer face, so the breach at the middle of the gap is GAP / 2 (3 mm:
grade 2). Measured in each cross-section's plane only, the gap's sections hold no bone at all, so the
check used to report no breach there; and with a thin bone rod beside the needle within the
cross-section window it reported the distance to the rod instead (grade 3), so a rod moving in or out
of the window flipped the grade. In 3-D the rod farther than GAP / 2 changes nothing.
"""

from __future__ import annotations

import numpy as np
import pytest

from planner.analysis.corridor import check_corridor, gertzbein_robbins_grade
from planner.core.volume import ImageVolume

SPACING = 0.5
GAP = 6.0
ORIGIN = (-24.75, -9.75, -24.75)  # voxel centres at k * 0.5 - 24.75: faces at y = 10, 30, 36, 50 fall on edges


def _phantom(rod_x_mm: float | None = None) -> ImageVolume:
    n = (100, 140, 100)  # i (x), j (y), k (z)
    x = ORIGIN[0] + SPACING * np.arange(n[0])
    y = ORIGIN[1] + SPACING * np.arange(n[1])
    z = ORIGIN[2] + SPACING * np.arange(n[2])
    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
    inside_xz = (np.abs(xx) <= 20) & (np.abs(zz) <= 20)
    bone = inside_xz & (((yy >= 10) & (yy <= 30)) | ((yy >= 30 + GAP) & (yy <= 50)))
    if rod_x_mm is not None:  # a 1.5 mm square rod along y, beside the needle, spanning the gap
        bone |= (np.abs(xx - rod_x_mm) <= 0.75) & (np.abs(zz) <= 0.75) & (yy >= 10) & (yy <= 50)
    hu = np.where(bone, 1000, 40).astype(np.int16)
    return ImageVolume(hu=hu, spacing_mm=(SPACING,) * 3, origin_lps=ORIGIN, direction=np.eye(3))


def _check(volume):
    return check_corridor(volume, (0.0, 60.0, 0.0), (0.0, 15.0, 0.0), 2.41, side="right")


def test_gap_breach_is_half_the_gap():
    r = _check(_phantom())
    assert r.max_breach_mm == pytest.approx(GAP / 2, abs=SPACING)
    assert r.grade == gertzbein_robbins_grade(GAP / 2) == 2
    worst = r.worst_breach
    # the gap lies 24-30 mm from the entry (y = 36 .. 30)
    assert 60 - 36 - SPACING <= worst.start_depth_mm and worst.end_depth_mm <= 60 - 30 + SPACING
    assert worst.direction in ("anterior", "posterior")  # the nearest bone lies ahead or behind


@pytest.mark.parametrize("rod_x_mm", [5.0, 6.5, 8.0])
def test_bone_beside_the_gap_does_not_change_the_grade(rod_x_mm):
    """The rod's nearest face lies rod_x - 0.75 mm from the axis, so rod_x - 0.75 - 1.205 mm from the
    needle's surface: 3.0-6.0 mm, never nearer than the faces (3 mm)."""
    r = _check(_phantom(rod_x_mm))
    assert r.max_breach_mm == pytest.approx(GAP / 2, abs=SPACING)
    assert r.grade == 2


def test_a_gap_breach_is_named_as_a_gap():
    """Issue 17: "anterior" or "posterior" alone tells a clinician little; the breach in the gap says it
    crosses a gap between two bones, and the safety finding says so in words."""
    from planner.analysis.rules.corridor import corridor_findings

    r = _check(_phantom())
    worst = r.worst_breach
    assert worst.across_gap
    (finding,) = [f for f in corridor_findings(r, "n1", "Needle 1") if "breach" in f.message]
    assert "across a gap between two bones along the path" in finding.message
    assert f"nearer bone {worst.direction}" in finding.message
    assert any("across a gap" in line for line in r.findings())


def test_a_wall_breach_beside_the_needle_is_not_a_gap():
    """The pedicle phantom (tests/plan/corridor_phantom.py): a needle 5 mm medial of the pedicle's axis
    leaves its round cortex sideways (2.2 mm, tests/plan/test_breach_direction.py): the breach lies across
    the needle, not along it, so it is a medial breach, not a gap."""
    from .corridor_phantom import PEDICLE_X, build_phantom

    volume, _ = build_phantom()
    r = check_corridor(volume, (PEDICLE_X + 5.0, 80.0, 0.0), (PEDICLE_X + 5.0, -5.0, 0.0), 2.41, side="right")
    assert r.worst_breach is not None and r.worst_breach.direction == "medial"
    assert not any(b.across_gap for b in r.breaches)
    assert "across a gap" not in " ".join(r.findings())
