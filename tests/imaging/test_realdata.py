"""The two real scans in ../shared/data load with the geometry their headers state."""

from __future__ import annotations

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk

from planner.imaging import discover, load_path, load_series

pytestmark = pytest.mark.realdata


def _headers(folder):
    files = sorted(p for p in folder.iterdir() if p.is_file())
    return [pydicom.dcmread(p, stop_before_pixels=True) for p in files]


def _check_geometry(volume, folder, n_slices, spacing_k):
    hdrs = _headers(folder)
    assert volume.hu.shape == (n_slices, hdrs[0].Rows, hdrs[0].Columns)
    iop = np.array(hdrs[0].ImageOrientationPatient, dtype=float)
    np.testing.assert_allclose(volume.direction[:, 0], iop[:3], atol=1e-6)
    np.testing.assert_allclose(volume.direction[:, 1], iop[3:], atol=1e-6)
    normal = np.cross(iop[:3], iop[3:])
    positions = np.array([h.ImagePositionPatient for h in hdrs], dtype=float)
    first = positions[np.argmin(positions @ normal)]
    np.testing.assert_allclose(volume.origin_lps, first, atol=1e-4)
    ps = [float(v) for v in hdrs[0].PixelSpacing]
    np.testing.assert_allclose(volume.spacing_mm, (ps[1], ps[0], spacing_k), atol=1e-4)
    last = positions[np.argmax(positions @ normal)]
    np.testing.assert_allclose(volume.to_lps((0, 0, n_slices - 1)), last, atol=1e-3)


def _sitk_hu(folder):
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(folder)))
    image = reader.Execute()
    return sitk.GetArrayFromImage(image), image


def test_lumbar_tcia(lumbar_ct_dir):
    (cand,) = discover(lumbar_ct_dir)
    assert cand.supported and cand.n_images == 134 and (cand.rows, cand.columns) == (512, 512)
    assert cand.slice_thickness_mm == pytest.approx(3.0) and cand.modality == "CT"
    volume = load_series(cand)
    _check_geometry(volume, lumbar_ct_dir, 134, 3.0)
    assert volume.warnings == ()
    reference, _ = _sitk_hu(lumbar_ct_dir)
    assert np.array_equal(volume.hu, reference.astype(np.int16))
    assert volume.info.patient_id == cand.patient_id and volume.info.modality == "CT"


def test_t11_t12_jpeg2000_empty_uids(t11_t12_ct_dir):
    cands = discover(t11_t12_ct_dir)
    assert len(cands) == 1, [c.summary() for c in cands]
    (cand,) = cands
    assert cand.series_instance_uid == "" and cand.study_instance_uid == ""
    assert cand.supported and cand.n_images == 20
    assert "JPEG 2000" in cand.transfer_syntax
    volume = load_path(t11_t12_ct_dir)
    _check_geometry(volume, t11_t12_ct_dir, 20, 2.0)
    # thickness 3 mm at 2 mm spacing is reported, not "fixed"
    assert any("Slice Thickness" in w and "3.00" in w and "2.00" in w for w in volume.warnings)
    # same HU as GDCM's JPEG 2000 decoder (through SimpleITK), voxel for voxel
    reference, _ = _sitk_hu(t11_t12_ct_dir)
    assert np.array_equal(volume.hu, reference.astype(np.int16))
    assert -1100 < volume.hu.min() and volume.hu.max() > 1000


def test_segmentation_nifti_aligns_with_its_ct(t11_t12_ct_dir):
    """The TotalSegmentator labels (NIfTI, stored RAS) land on the CT's voxels in LPS."""
    seg_path = t11_t12_ct_dir.parent / "totalsegmentator_fast_labels.nii.gz"
    if not seg_path.exists():
        pytest.skip("segmentation file absent")
    ct = load_path(t11_t12_ct_dir)
    seg = load_path(seg_path)
    assert seg.hu.shape == ct.hu.shape
    labels = seg.hu
    vertebra = np.argwhere((labels == 32) | (labels == 33))  # T12, T11 (k, j, i)
    assert len(vertebra) > 1000
    lps = seg.to_lps(vertebra[:, ::-1].astype(float))
    ijk_ct = ct.to_ijk(lps)
    np.testing.assert_allclose(ijk_ct, np.round(ijk_ct), atol=1e-3)  # voxel centres coincide
    idx = np.round(ijk_ct).astype(int)
    hu = ct.hu[idx[:, 2], idx[:, 1], idx[:, 0]]
    assert np.median(hu) > 150  # bone where the labels say vertebra
    assert np.median(ct.hu[ct.hu.shape[0] // 2, :40, :40]) < -900  # and air in a corner
