"""Issue 17: a plan saved on a series with every UID empty names its series by a geometry fingerprint
(planner/plan/identity.py), so it no longer matches any scan.

The series are built in a temporary folder from the bundled sample with pydicom: its Study, Series and
Frame of Reference UIDs blanked (as on the shared T11-T12 scan), then a second copy shifted 10 mm
along the table and a third with every pixel one HU brighter (same geometry)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pydicom
import pytest

from planner.core.errors import PlanError
from planner.imaging import load_path
from planner.plan.document import PlanDocument
from planner.plan.identity import UNVERIFIED, fingerprint_mismatch, series_fingerprint
from planner.plan.io import read_plan, write_plan
from planner.plan.items import Needle
from planner.session.session import PlanningSession

N_SLICES = 24  # a slab of the sample is enough and keeps the test fast


def _blank_copy(src: Path, dst: Path, shift_z_mm: float = 0.0, add_hu: int = 0) -> Path:
    dst.mkdir()
    files = sorted(src.glob("*.dcm"))[40:40 + N_SLICES]
    for f in files:
        ds = pydicom.dcmread(f)
        for tag in ("StudyInstanceUID", "SeriesInstanceUID", "FrameOfReferenceUID"):
            setattr(ds, tag, "")
        if shift_z_mm:
            x, y, z = (float(v) for v in ds.ImagePositionPatient)
            ds.ImagePositionPatient = [x, y, z + shift_z_mm]
        if add_hu:
            ds.decompress()  # the sample is compressed; write the changed pixels uncompressed
            px = ds.pixel_array
            ds.PixelData = (px.astype(np.int32) + add_hu).astype(px.dtype).tobytes()
        ds.save_as(dst / f.name)
    return dst


@pytest.fixture(scope="module")
def series_dirs(tmp_path_factory, sample_series):
    root = tmp_path_factory.mktemp("blank-uids")
    return {"blank": _blank_copy(sample_series, root / "blank"),
            "shifted": _blank_copy(sample_series, root / "shifted", shift_z_mm=10.0),
            "brighter": _blank_copy(sample_series, root / "brighter", add_hu=1)}


@pytest.fixture(scope="module")
def volumes(series_dirs):
    return {name: load_path(path) for name, path in series_dirs.items()}


def _session(volume) -> PlanningSession:
    s = PlanningSession()
    s.auto_evaluate = False
    s.auto_anatomy = False
    s.set_volume(volume)
    return s


def _saved_plan(volume, tmp_path) -> Path:
    s = _session(volume)
    centre = volume.to_lps(np.array(volume.shape_ijk, float) / 2)
    s.plan.insert(Needle(entry_lps=tuple(centre + [60.0, 0.0, 0.0]), tip_lps=tuple(centre), name="R", side="right"))
    return write_plan(s.plan, tmp_path / "plan.json")


def test_blanked_series_really_has_no_uids(volumes):
    info = volumes["blank"].info
    assert (info.study_instance_uid, info.series_instance_uid, info.frame_of_reference_uid) == ("", "", "")


def test_fingerprint_parts_agree_with_the_dicom_headers(series_dirs, volumes):
    """Each part against the headers read directly with pydicom (not through the loader)."""
    headers = [pydicom.dcmread(f, stop_before_pixels=True) for f in sorted(series_dirs["blank"].glob("*.dcm"))]
    headers.sort(key=lambda d: float(d.ImagePositionPatient[2]))
    parts = dict(p.split("=", 1) for p in series_fingerprint(volumes["blank"]).split(";")[1:])
    first = headers[0]
    assert parts["size"] == f"{first.Columns}x{first.Rows}x{len(headers)}"
    col_mm, row_mm = float(first.PixelSpacing[1]), float(first.PixelSpacing[0])  # (0028,0030): row, column
    step = abs(float(headers[1].ImagePositionPatient[2]) - float(first.ImagePositionPatient[2]))
    np.testing.assert_allclose([float(v) for v in parts["spacing"].split(",")], [col_mm, row_mm, step], atol=1e-4)
    ends = sorted([float(v) for v in parts[k].split(",")] for k in ("first", "last"))  # written to 0.001 mm
    expected = sorted([float(v) for v in d.ImagePositionPatient] for d in (headers[0], headers[-1]))
    np.testing.assert_allclose(ends, expected, atol=5e-4)
    np.testing.assert_allclose([float(v) for v in parts["orientation"].split(",")],
                               [float(v) for v in first.ImageOrientationPatient], atol=1e-6)


def test_plan_on_blanked_series_opens_on_it_and_is_refused_on_others(volumes, tmp_path):
    path = _saved_plan(volumes["blank"], tmp_path)
    doc = read_plan(path)
    assert doc.series.frame_of_reference_uid == "" and doc.series.geometry_fingerprint.startswith("fp1;")
    same = _session(volumes["blank"])
    same.open_plan(doc)
    assert same.plan_identity_note is None and len(same.plan) == 1
    with pytest.raises(PlanError, match="position of the first slice") as shifted:
        _session(volumes["shifted"]).open_plan(read_plan(path))
    assert "image size" not in str(shifted.value) and "pixel content" not in str(shifted.value)  # same pixels
    with pytest.raises(PlanError, match="pixel content") as brighter:
        _session(volumes["brighter"]).open_plan(read_plan(path))
    assert "position" not in str(brighter.value)
    confirmed = _session(volumes["shifted"])
    confirmed.open_plan(read_plan(path), allow_mismatch=True)  # the user said "open anyway"
    assert len(confirmed.plan) == 1


def test_old_plan_without_fingerprint_says_it_cannot_be_checked_and_saving_records_it(volumes, tmp_path):
    doc = read_plan(_saved_plan(volumes["blank"], tmp_path))
    old = PlanDocument(series=dataclasses.replace(doc.series, geometry_fingerprint=""))
    for item in doc:
        old.insert(item)
    s = _session(volumes["shifted"])
    s.open_plan(old)  # nothing to compare: opened, with words saying so
    assert s.plan_identity_note == UNVERIFIED and "UIDs are empty" in UNVERIFIED
    assert s.plan.series.geometry_fingerprint == series_fingerprint(volumes["shifted"])
    resaved = read_plan(write_plan(s.plan, tmp_path / "resaved.json"))
    with pytest.raises(PlanError, match="position of the first slice"):
        _session(volumes["blank"]).open_plan(resaved)


def test_uids_still_decide_when_both_have_a_frame_of_reference(sample_volume):
    """With a shared Frame of Reference UID the fingerprint is not asked (same frame, same coordinates)."""
    s = _session(sample_volume)
    ref = dataclasses.replace(s.plan.series, geometry_fingerprint="fp1;size=1x1x1")
    assert ref.mismatch_with(sample_volume.info, series_fingerprint(sample_volume)) is None
    assert ref.unverified_with(sample_volume.info) is None


def test_real_scans_t11_plan_is_refused_on_the_lumbar_scan(t11_t12_volume, lumbar_volume):
    """The T11-T12 scan has empty Study and Series UIDs; with its Frame of Reference UID blanked too (as
    an anonymiser may), a plan saved on it still names it, by the fingerprint."""
    from planner.plan.items import SeriesRef

    info = dataclasses.replace(t11_t12_volume.info, frame_of_reference_uid="")
    ref = SeriesRef.from_series_info(info, series_fingerprint(t11_t12_volume))
    assert (ref.study_instance_uid, ref.series_instance_uid, ref.frame_of_reference_uid) == ("", "", "")
    assert ref.mismatch_with(t11_t12_volume.info, series_fingerprint(t11_t12_volume)) is None
    reason = ref.mismatch_with(lumbar_volume.info, series_fingerprint(lumbar_volume))
    assert reason and "image size" in reason and "slices" in reason


def test_unreadable_fingerprint_is_said_in_words():
    assert "not one this planner reads" in fingerprint_mismatch("fp9;size=1x1x1", "fp1;size=1x1x1")
