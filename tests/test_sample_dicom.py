"""The committed sample case (sample_dicom/): DICOM validity, geometry, ground truth, probes."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pydicom
import pytest
import SimpleITK as sitk

from planner.core.frames import affine_ijk_to_lps, apply_affine
from planner.core.resources import sample_dir, sample_series_dir
from planner.phantom import PhantomConfig, build_phantom
from planner.phantom import labels as lab

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
RLE_LOSSLESS = "1.2.840.10008.1.2.5"

#: Type 1 (and applicable 1C) attributes of the CT Image IOD modules (PS3.3 A.3, C.7-C.12).
TYPE1 = (
    "StudyInstanceUID", "Modality", "SeriesInstanceUID", "FrameOfReferenceUID",
    "PixelSpacing", "ImageOrientationPatient", "ImagePositionPatient",
    "SamplesPerPixel", "PhotometricInterpretation", "Rows", "Columns", "BitsAllocated", "BitsStored",
    "HighBit", "PixelRepresentation", "PixelData", "ImageType", "RescaleIntercept", "RescaleSlope",
    "WindowCenter", "WindowWidth", "SOPClassUID", "SOPInstanceUID", "SpecificCharacterSet",
    "DeidentificationMethod",
)
#: Type 2 attributes: present, possibly empty.
TYPE2 = (
    "PatientName", "PatientID", "PatientBirthDate", "PatientSex", "StudyDate", "StudyTime",
    "ReferringPhysicianName", "StudyID", "AccessionNumber", "SeriesNumber", "PatientPosition",
    "PositionReferenceIndicator", "Manufacturer", "InstanceNumber", "SliceThickness", "KVP",
    "AcquisitionNumber",
)


@pytest.fixture(scope="module")
def series():
    files = sorted(sample_series_dir().glob("*.dcm"))
    assert files, f"no DICOM files in {sample_series_dir()}"
    return [(f, pydicom.dcmread(f)) for f in files]


@pytest.fixture(scope="module")
def volume(series):
    """HU array [k, j, i] and ijk->LPS affine built from the headers (slices sorted on the normal)."""
    first = series[0][1]
    iop = np.array(first.ImageOrientationPatient, dtype=float)
    normal = np.cross(iop[:3], iop[3:])
    ordered = sorted((ds for _, ds in series), key=lambda ds: float(np.dot(ds.ImagePositionPatient, normal)))
    hu = np.stack([ds.pixel_array.astype(np.int16) * int(ds.RescaleSlope) + int(ds.RescaleIntercept)
                   for ds in ordered]).astype(np.int16)
    row_mm, col_mm = (float(v) for v in first.PixelSpacing)
    pos = np.array([ds.ImagePositionPatient for ds in ordered], dtype=float)
    dk = float(np.dot(pos[1] - pos[0], normal))
    direction = np.column_stack([iop[:3], iop[3:], normal])
    affine = affine_ijk_to_lps(pos[0], (col_mm, row_mm, dk), direction)
    return hu, affine


@pytest.fixture(scope="module")
def truth():
    gt = sample_dir() / "ground_truth"
    img = sitk.ReadImage(str(gt / "labels.nii.gz"))
    landmarks = json.loads((gt / "landmarks.json").read_text())
    table = json.loads((gt / "labels.json").read_text())
    return img, sitk.GetArrayFromImage(img), landmarks, table


def _kji(affine, lps) -> tuple[int, int, int]:
    i, j, k = np.round(apply_affine(np.linalg.inv(affine), np.asarray(lps, float))).astype(int)
    return k, j, i


def test_every_file_is_rle_ct_with_its_mandatory_attributes(series):
    for path, ds in series:
        assert ds.file_meta.TransferSyntaxUID == RLE_LOSSLESS, path.name
        assert ds.file_meta.MediaStorageSOPClassUID == CT_IMAGE_STORAGE
        assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
        assert ds.SOPClassUID == CT_IMAGE_STORAGE
        missing = [kw for kw in TYPE1 if kw not in ds or ds[kw].value in (None, "", b"")]
        assert not missing, (path.name, missing)
        assert [kw for kw in TYPE2 if kw not in ds] == [], path.name
        assert ds.BitsStored == ds.HighBit + 1 and ds.BitsAllocated == 16
        assert (ds.RescaleIntercept, ds.RescaleSlope) == (-1024, 1)
        assert float(ds.WindowCenter[0]) >= 300 and float(ds.WindowWidth[0]) >= 1500  # bone first


def test_series_identity_is_consistent_and_synthetic(series):
    sets = {kw: {str(ds[kw].value) for _, ds in series}
            for kw in ("StudyInstanceUID", "SeriesInstanceUID", "FrameOfReferenceUID", "PatientID")}
    assert all(len(v) == 1 for v in sets.values()), sets
    assert len({ds.SOPInstanceUID for _, ds in series}) == len(series)
    assert sorted(int(ds.InstanceNumber) for _, ds in series) == list(range(1, len(series) + 1))
    ds = series[0][1]
    assert str(ds.PatientName) == "PHANTOM^SYNTHETIC SPINE" and ds.PatientID == "SYNTH-0001"
    assert ds.PatientIdentityRemoved == "YES" and ds.PatientPosition == "HFP"
    assert ds.BodyPartExamined == "LSPINE"
    assert "SYNTHETIC" in ds.SeriesDescription.upper() and "SYNTHETIC" in ds.StudyDescription.upper()


def test_slice_geometry_is_regular_prone_axial(series):
    iops = {tuple(float(v) for v in ds.ImageOrientationPatient) for _, ds in series}
    assert iops == {(-1.0, 0.0, 0.0, 0.0, -1.0, 0.0)}
    normal = np.array([0.0, 0.0, 1.0])
    pos = np.array([ds.ImagePositionPatient for _, ds in series], dtype=float)
    order = np.argsort(pos @ normal)
    steps = np.diff(pos[order], axis=0)
    thickness = float(series[0][1].SliceThickness)
    assert np.allclose(steps, [0.0, 0.0, thickness], atol=1e-4)
    assert 100 <= len(series) <= 110 and thickness == 1.25
    for _, ds in series:
        location = float(np.dot(ds.ImagePositionPatient, normal))
        assert float(ds.SliceLocation) == pytest.approx(location, abs=1e-4)
        assert (ds.Rows, ds.Columns) == (256, 256)
        assert [float(v) for v in ds.PixelSpacing] == pytest.approx([0.78125, 0.78125])


def test_dciodvfy_reports_no_errors(series):
    tool = shutil.which("dciodvfy")
    if tool is None:
        pytest.skip("dciodvfy (Debian package dicom3tools) is not installed")
    for path, _ in (series[0], series[len(series) // 2], series[-1]):
        run = subprocess.run([tool, str(path)], capture_output=True, text=True, timeout=60)
        errors = [line for line in (run.stdout + run.stderr).splitlines() if line.startswith("Error")]
        assert not errors, (path.name, errors)


def test_simpleitk_reads_series_and_labels_on_the_same_grid(volume, truth):
    reader = sitk.ImageSeriesReader()
    names = reader.GetGDCMSeriesFileNames(str(sample_series_dir()))
    reader.SetFileNames(names)
    ct = reader.Execute()
    labels_img, labels, _, _ = truth
    assert ct.GetSize() == labels_img.GetSize() == (256, 256, len(names))
    assert np.allclose(ct.GetOrigin(), labels_img.GetOrigin(), atol=1e-4)
    assert np.allclose(ct.GetSpacing(), labels_img.GetSpacing(), atol=1e-6)
    assert np.allclose(ct.GetDirection(), labels_img.GetDirection(), atol=1e-6)
    hu, affine = volume
    assert np.allclose(ct.GetOrigin(), affine[:3, 3], atol=1e-4)
    assert np.array_equal(sitk.GetArrayFromImage(ct).astype(np.int16), hu)
    assert labels.shape == hu.shape


def test_landmarks_carry_the_right_labels(volume, truth):
    _, affine = volume
    _, labels, marks, _ = truth
    for name, entry in marks["vertebrae"].items():
        value = lab.VERTEBRA_LABELS[name]
        assert labels[_kji(affine, entry["body_centre_lps"])] == value
        assert labels[_kji(affine, entry["canal_centre_lps"])] in lab.CANAL_LUMEN
        for ped in entry["pedicles"].values():
            assert labels[_kji(affine, ped["isthmus_lps"])] == value
            assert labels[_kji(affine, ped["target_lps"])] in (value, lab.LESION)
    lesion = marks["lesion"]
    assert labels[_kji(affine, lesion["centre_lps"])] == lab.LESION
    extent = np.array(lesion["extent_max_lps"]) - np.array(lesion["extent_min_lps"])
    assert np.all((extent >= 12.0) & (extent <= 24.0))
    for name, probe in marks["probes"].items():
        assert labels[_kji(affine, probe["point_lps"])] == probe["label"], name


def test_probe_hu_matches_within_noise(volume, truth):
    hu, affine = volume
    _, _, marks, _ = truth
    for name, probe in marks["probes"].items():
        k, j, i = _kji(affine, probe["point_lps"])
        mean = float(hu[k - 1:k + 2, j - 1:j + 2, i - 1:i + 2].mean())
        tolerance = 5.0 * probe["noise_sd_hu"] / np.sqrt(27.0)
        assert mean == pytest.approx(probe["expected_mean_hu"], abs=tolerance), name
    assert marks["probes"]["cord"]["expected_mean_hu"] > marks["probes"]["csf"]["expected_mean_hu"]


def test_label_table_readmes_and_size(truth):
    _, labels, _, table = truth
    assert {int(v) for v in np.unique(labels)} <= {int(v) for v in table["labels"]}
    for value in (lab.LESION, lab.CORD, *lab.VERTEBRA_LABELS.values(), *lab.DISC_LABELS.values()):
        assert (labels == value).any(), value
    root = sample_dir()
    for readme in (root / "README.md", root / "ground_truth" / "README.md"):
        text = readme.read_text()
        assert "python -m planner.phantom --out sample_dicom" in text
        assert "ynthetic" in text
    size = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
    assert size < 15e6


def test_committed_sample_is_what_the_generator_makes(volume, truth):
    """The committed files are up to date: regenerating gives the same pixels, grid and labels."""
    result = build_phantom(PhantomConfig())
    hu, affine = volume
    assert np.array_equal(result.volume.hu, hu)
    assert np.allclose(result.volume.ijk_to_lps, affine, atol=1e-6)
    assert np.array_equal(result.labels, truth[1])
