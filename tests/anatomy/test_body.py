"""Body mask: the patient without the table, cushions and leads (planner/anatomy/body.py).

A synthetic CT with a closed-form patient (an elliptic cylinder) lying on a cushion and a table,
with a lead on the skin, bowel gas and a lung inside; and the two shared real scans (supine, with a
CT table), where rows of the table under the patient were found by looking at the images.
"""

from __future__ import annotations

import numpy as np
import pytest

from planner.anatomy.body import segment_body, skin_crossing_mm
from planner.core.errors import PlannerError
from planner.core.volume import ImageVolume

SEMI_X_MM, SEMI_Y_MM = 150.0, 100.0  # the patient's elliptic cross-section
TABLE_TOP_Y_MM = SEMI_Y_MM + 4.0  # 4 mm of foam cushion between the back and the table


def _phantom(spacing=(1.0, 1.0, 2.5), shape=(40, 260, 360)) -> ImageVolume:
    nk, nj, ni = shape
    origin = (-(ni - 1) / 2 * spacing[0], -(nj - 1) / 2 * spacing[1] + 10.0, 0.0)
    k, j, i = np.indices(shape, dtype=float)
    x = origin[0] + i * spacing[0]
    y = origin[1] + j * spacing[1]
    hu = np.full(shape, -1000, np.int16)
    patient = (x / SEMI_X_MM) ** 2 + (y / SEMI_Y_MM) ** 2 <= 1.0
    hu[patient] = 40
    hu[patient & ((x / (SEMI_X_MM - 8)) ** 2 + (y / (SEMI_Y_MM - 8)) ** 2 > 1.0)] = -100  # fat
    hu[((x - 40) ** 2 + (y + 20) ** 2 <= 15 ** 2)] = -1000  # bowel gas
    hu[((x + 60) ** 2 + (y + 30) ** 2 <= 30 ** 2)] = -850  # a lung
    cushion = (y > SEMI_Y_MM) & (y <= TABLE_TOP_Y_MM) & (np.abs(x) < 170) & ~patient
    hu[cushion] = -900
    hu[(y > TABLE_TOP_Y_MM) & (y <= TABLE_TOP_Y_MM + 3.0) & (np.abs(x) < 170)] = 300  # carbon table shell
    hu[(y > TABLE_TOP_Y_MM + 25) & (y <= TABLE_TOP_Y_MM + 28) & (np.abs(x) < 120)] = 400  # table base
    lead = (np.abs(x - 20) <= 1.0) & (y < -SEMI_Y_MM * np.sqrt(1 - (20 / SEMI_X_MM) ** 2) + 0.5) & (y > -SEMI_Y_MM - 30)
    hu[lead & ~patient] = 1500  # an ECG lead standing off the skin
    return ImageVolume(hu=hu, spacing_mm=spacing, origin_lps=origin)


@pytest.fixture(scope="module")
def phantom():
    volume = _phantom()
    return volume, segment_body(volume)


def _truth(volume: ImageVolume, grow_mm: float = 0.0) -> np.ndarray:
    k, j, i = np.indices(volume.hu.shape, dtype=float)
    x = volume.origin_lps[0] + i * volume.spacing_mm[0]
    y = volume.origin_lps[1] + j * volume.spacing_mm[1]
    return (x / (SEMI_X_MM + grow_mm)) ** 2 + (y / (SEMI_Y_MM + grow_mm)) ** 2 <= 1.0


def test_phantom_body_is_the_ellipse(phantom):
    volume, body = phantom
    truth = _truth(volume)
    dice = 2 * np.sum(truth & body.mask) / (truth.sum() + body.mask.sum())
    assert dice > 0.995
    analytic_ml = np.pi * SEMI_X_MM * SEMI_Y_MM * volume.hu.shape[0] * volume.spacing_mm[2] / 1000.0
    assert body.volume_ml == pytest.approx(analytic_ml, rel=0.01)
    assert body.mask.sum() * np.prod(volume.spacing_mm) / 1000.0 == pytest.approx(analytic_ml, rel=0.01)


def test_phantom_leaves_out_table_cushion_and_lead(phantom):
    volume, body = phantom
    outside = ~_truth(volume, grow_mm=1.5)  # the lead's foot touches the skin: its contact voxels may count
    dense_outside = outside & (volume.hu > -950)  # cushion, table, lead
    assert dense_outside.sum() > 10000
    assert not np.any(body.mask & dense_outside)


def test_phantom_keeps_gas_and_lung_inside(phantom):
    volume, body = phantom
    assert body.contains(np.array([[40.0, -20.0, 50.0], [-60.0, -30.0, 50.0]])).all()


def test_skin_crossing_is_subvoxel(phantom):
    """A line from the air straight toward the centre: the skin lies at the ellipse, |y| = 100 mm
    (the HU step is at the edge of the voxels, so the interpolated -500 HU crossing is within half a voxel)."""
    volume, body = phantom
    start = np.array([0.3, -180.0, 50.0])
    depths = np.arange(0.0, 180.0, 0.5)
    d = skin_crossing_mm(volume, body, start, np.array([0.0, 1.0, 0.0]), depths)
    assert d == pytest.approx(180.0 - SEMI_Y_MM, abs=0.5)


def test_empty_scan_says_so():
    volume = ImageVolume(hu=np.full((10, 50, 50), -1000, np.int16), spacing_mm=(1.0, 1.0, 1.0), origin_lps=(0, 0, 0))
    with pytest.raises(PlannerError, match="No patient body"):
        segment_body(volume)


# --- the shared real scans ------------------------------------------------------------------------

@pytest.mark.realdata
def test_lumbar_body_leaves_out_the_table(lumbar_body):
    """Rows found by eye at column i = 256, slice k = 67: skin of the back at j 372-373 (about -50 HU),
    the cushion's top sheet at j 376-379 (about -300 HU), the table's shells at j 450 and j 506."""
    body = lumbar_body  # segment_body of the shared lumbar volume (tests/conftest.py)
    column = body.mask[67, :, 256]
    assert column[200:370].all()  # abdomen, spine and back muscles
    assert not column[376:].any()
    assert not body.mask[:, 440:, :].any()  # nothing of the table below the cushion, on any slice


@pytest.mark.realdata
def test_t11_body_keeps_the_arms_and_leaves_out_the_table(t11_t12_body):
    """Rows and columns found by eye at slice k = 10: back skin at j about 417, table shells at j 446-454
    and 486-490 (250-490 HU, bone-like), the arms beside the trunk at i about 30-90 and 430-490."""
    body = t11_t12_body  # segment_body of the shared T11-T12 volume (tests/conftest.py)
    assert body.mask[10, 300:410, 256].all()
    assert not body.mask[10, 440:, :].any()
    assert body.mask[10, 330, 60] and body.mask[10, 330, 460]
