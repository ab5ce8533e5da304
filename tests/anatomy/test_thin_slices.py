"""Issue 13: the same vertebrae, names and body centres on thin slices as on the native 3 mm slices.

The shared lumbar scan (134 slices, 3 mm) is resampled along z to 600 slices (0.67 mm, linear; the
thin-slice CT of benchmarks/bench_anatomy.py) and searched by ``find_spine``. Its levels are checked
against the references the native scan's are checked against: the slice ranges counted by eye
(tests/anatomy/test_spine.py, ``LUMBAR_BODIES_K``, in the native scan's slice index: the LPS frame is the
same) and the corners read by eye on the mid-sagittal slice (tests/anatomy/test_body_centres.py,
``LUMBAR_CORNERS``, S1 included since its centre comes from its mid-sagittal section, docs/s1-body-leak.md);
S1 is also compared with the native scan's S1, found in the same session.

Before the fix the thin scan gave T8-L5: the walk's sacral pass (planner/anatomy/levels_sacrum.py) diverged
into the ala from its one seed and S1 was refused (64 mm sideways), and every retry profile from T8's frame
merged T7 with T6 or straddled a disc (planner/anatomy/levels_rules.py has the numbers).

At 660 slices (0.61 mm) the walk lost T7: the first pass's grid from T8 reached the scan's top edge, its top
slice inside read the outside fill mixed in by the smoothing (92 HU) and became the floor of the profile's
body/disc split, which then fell under the thoracic discs' dips (T8-T7-T6 merged). The split's floor and the
walks across the discs now read only the slices the smoothing did not mix with the outside
(``planner.anatomy.levels_grid.unmixed_slices``, docs/levels.md "Thin slices"); the 660-slice scan is checked
against the native scan's T7 and S1 and against the corner references.

T6 (issue 13, "every vertebra in the scan"): the native scan and the 600-slice scan find it since the last
retry profile toward the head (``LAST_RETRY_PROFILES``, docs/levels.md "T6 on the native scan"); the
660-slice scan does not (that retry's T6 runs into the scan's top edge there, refused as cut), so its names
are checked against the native scan's without T6.
"""

from __future__ import annotations

import numpy as np
import pytest

from planner.anatomy.spine import find_spine
from planner.core.volume import ImageVolume
from tests.anatomy.test_body_centres import LUMBAR_CORNERS, TOLERANCE_MM, _reference_lps
from tests.anatomy.test_l5_body import WIDEST_MM, WIDTH_TOLERANCE_MM
from tests.anatomy.test_spine import LUMBAR_BODIES_K

pytestmark = pytest.mark.realdata

THIN_SLICES = 600
#: The thinner case of issue 13 (0.61 mm), where the smoothing's mix of the outside fill at the scan's top edge lost T7.
THINNER_SLICES = 660
#: T7 of the thinner scan against the native scan's T7 (issue 13: "within about 2 mm").
T7_FROM_NATIVE_MM = 2.0
#: Bodies the 660-slice scan does not find (see the module docstring): not yet "the same as the native scan".
NOT_FOUND_AT_660 = {"T6"}


def _resampled(volume: ImageVolume, slices: int) -> ImageVolume:
    """``volume`` linearly resampled along k to ``slices`` slices with the same first and last slice
    (``scipy.ndimage.zoom`` maps the end samples onto each other: spacing (n - 1) / (m - 1) of the old)."""
    from scipy import ndimage

    n = volume.hu.shape[0]
    hu = ndimage.zoom(volume.hu, (slices / n, 1.0, 1.0), order=1)
    assert hu.shape[0] == slices
    si, sj, sk = volume.spacing_mm
    return ImageVolume(hu=hu.astype(np.int16), spacing_mm=(si, sj, sk * (n - 1) / (slices - 1)),
                       origin_lps=volume.origin_lps, direction=volume.direction)


def _thin_spine(lumbar_volume, slices: int, below_mm: float):
    """(the scan resampled to ``slices``, its spine); its slices are thinner than ``below_mm``."""
    volume = _resampled(lumbar_volume, slices)
    assert volume.spacing_mm[2] < below_mm
    return volume, find_spine(volume)


@pytest.fixture(scope="module")
def thin(lumbar_volume):
    return _thin_spine(lumbar_volume, THIN_SLICES, 0.7)


def test_thin_slices_name_every_body_as_the_native_scan(thin):
    _, spine = thin
    assert spine.named, spine.message
    assert set(spine.landmarks) == {"sacrum", "last rib"}, spine.message
    assert sorted(v.name for v in spine.vertebrae) == sorted(LUMBAR_CORNERS), [v.name for v in spine.vertebrae]


@pytest.mark.parametrize("name", sorted(LUMBAR_BODIES_K))
def test_thin_slice_body_lies_in_its_counted_slices(lumbar_volume, thin, name):
    _, spine = thin
    found = spine.vertebra_named(name)
    assert found is not None, [v.name for v in spine.vertebrae]
    k = float(lumbar_volume.to_ijk(found.body_centre_lps)[2])  # the native scan's slice index
    k0, k1 = LUMBAR_BODIES_K[name]
    assert k0 <= k <= k1, (name, k)


@pytest.mark.parametrize("name", sorted(LUMBAR_CORNERS))
def test_thin_slice_body_centre_is_the_body_middle(lumbar_volume, thin, name):
    _, spine = thin
    found = spine.vertebra_named(name)
    assert found is not None, [v.name for v in spine.vertebrae]
    error = np.linalg.norm(np.asarray(found.body_centre_lps) - _reference_lps(lumbar_volume, name))
    assert error <= TOLERANCE_MM.get(name, 3.0), (name, found.body_centre_lps, error)


def test_thin_slice_s1_is_the_native_scans_s1(thin, lumbar_spine):
    _, spine = thin
    thin_s1, native_s1 = spine.vertebra_named("S1"), lumbar_spine.vertebra_named("S1")
    assert thin_s1 is not None and native_s1 is not None
    assert thin_s1.next_below_mm is None  # on the fused sacrum: no disc below
    assert np.linalg.norm(np.subtract(thin_s1.body_centre_lps, native_s1.body_centre_lps)) <= 3.0
    # the alae left out: S1's base is about as wide as L5's inferior endplate, so S1 is held to L5's widest
    # section read by eye on this scan and its tolerance (tests/anatomy/test_l5_body.py); with the alae the
    # sacral pass's mask was 85.5 mm wide
    assert thin_s1.width_mm <= WIDEST_MM + WIDTH_TOLERANCE_MM, thin_s1.width_mm


@pytest.fixture(scope="module")
def thinner(lumbar_volume):
    return _thin_spine(lumbar_volume, THINNER_SLICES, 0.62)


def test_660_slices_name_every_body_as_the_native_scan(thinner):
    _, spine = thinner
    assert spine.named, spine.message
    expected = sorted(set(LUMBAR_CORNERS) - NOT_FOUND_AT_660)
    assert sorted(v.name for v in spine.vertebrae) == expected, [v.name for v in spine.vertebrae]


def test_660_slices_find_the_native_scans_t7(lumbar_volume, thinner, lumbar_spine):
    _, spine = thinner
    thin_t7, native_t7 = spine.vertebra_named("T7"), lumbar_spine.vertebra_named("T7")
    assert thin_t7 is not None, [v.name for v in spine.vertebrae]
    assert native_t7 is not None
    assert np.linalg.norm(np.subtract(thin_t7.body_centre_lps, native_t7.body_centre_lps)) <= T7_FROM_NATIVE_MM
    error = np.linalg.norm(np.asarray(thin_t7.body_centre_lps) - _reference_lps(lumbar_volume, "T7"))
    assert error <= TOLERANCE_MM.get("T7", 3.0), (thin_t7.body_centre_lps, error)
    k0, k1 = LUMBAR_BODIES_K["T7"]
    assert k0 <= float(lumbar_volume.to_ijk(thin_t7.body_centre_lps)[2]) <= k1


def test_660_slices_keep_s1_at_its_reference(lumbar_volume, thinner, lumbar_spine):
    """S1's grids reach the scan's caudal edge too: the change must not move it (the normalised smoothing
    tried before moved it 5.7 mm, to 8.8 mm from its reference)."""
    _, spine = thinner
    thin_s1, native_s1 = spine.vertebra_named("S1"), lumbar_spine.vertebra_named("S1")
    assert thin_s1 is not None and native_s1 is not None
    error = np.linalg.norm(np.asarray(thin_s1.body_centre_lps) - _reference_lps(lumbar_volume, "S1"))
    assert error <= TOLERANCE_MM["S1"], (thin_s1.body_centre_lps, error)
    assert np.linalg.norm(np.subtract(thin_s1.body_centre_lps, native_s1.body_centre_lps)) <= 3.0
