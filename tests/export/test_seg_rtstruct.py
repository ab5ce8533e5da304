"""DICOM SEG and RT Structure Set exports on the real scans: valid (dciodvfy, highdicom, pydicom),
referencing the CT, and opened back onto the CT grid exactly; a SEG made by highdicom directly
(another tool) opens too."""

from __future__ import annotations

import shutil
import subprocess
import warnings

import numpy as np
import pydicom
import pytest

pytestmark = pytest.mark.realdata


def _export(session, folder):
    from planner.export.ct_source import ct_source
    from planner.export.rtstruct import write_rtstruct
    from planner.export.seg import write_seg
    from planner.export.segments import plan_segments

    source = ct_source(session.volume)
    segments = plan_segments(session)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # highdicom: single-component patient names
        seg = write_seg(folder / "seg.dcm", source, segments, session.plan.created)
    rt = write_rtstruct(folder / "rt.dcm", session.volume, source, segments, session.plan.created)
    return {"session": session, "source": source, "segments": segments, "seg": seg, "rt": rt}


@pytest.fixture(scope="module")
def lumbar(lumbar_session, tmp_path_factory):
    return _export(lumbar_session, tmp_path_factory.mktemp("lumbar"))


@pytest.fixture(scope="module")
def t12(t12_session, tmp_path_factory):
    return _export(t12_session, tmp_path_factory.mktemp("t12"))


def dciodvfy_errors(path) -> list[str]:
    if shutil.which("dciodvfy") is None:
        pytest.skip("dciodvfy (Debian package dicom3tools) is not installed")
    result = subprocess.run(["dciodvfy", str(path)], capture_output=True, text=True, timeout=120)
    return [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("Error")]


@pytest.mark.parametrize("case", ["lumbar", "t12"])
@pytest.mark.parametrize("kind", ["seg", "rt"])
def test_dciodvfy_finds_no_error(case, kind, request):
    out = request.getfixturevalue(case)
    assert dciodvfy_errors(out[kind]) == []


def test_seg_reads_back_with_highdicom_and_references_the_ct(lumbar, lumbar_ct_dir):
    import highdicom as hd

    ct = pydicom.dcmread(sorted(lumbar_ct_dir.iterdir())[0], stop_before_pixels=True)
    seg = hd.seg.segread(lumbar["seg"])
    assert seg.FrameOfReferenceUID == ct.FrameOfReferenceUID and seg.StudyInstanceUID == ct.StudyInstanceUID
    assert seg.ReferencedSeriesSequence[0].SeriesInstanceUID == ct.SeriesInstanceUID
    assert not seg.SOPInstanceUID.startswith("1.2.826.0.1.3680043.8.498")  # pydicom's example root
    labels = [s.SegmentLabel for s in seg.SegmentSequence]
    assert labels == ["Spinal canal", "Lesion", "Ablation zone 1", "Ablation zone 2"]
    by_label = {s.SegmentLabel: s for s in seg.SegmentSequence}
    canal = by_label["Spinal canal"].SegmentedPropertyTypeCodeSequence[0]
    assert (canal.CodeValue, canal.CodingSchemeDesignator) == ("61853006", "SCT")
    lesion = by_label["Lesion"].SegmentedPropertyCategoryCodeSequence[0]
    assert (lesion.CodeValue, lesion.CodingSchemeDesignator) == ("49755003", "SCT")
    referenced = {str(r.ReferencedSOPInstanceUID) for f in seg.PerFrameFunctionalGroupsSequence
                  for d in f.DerivationImageSequence for r in d.SourceImageSequence}
    sop_uids = {str(s.SOPInstanceUID) for s in lumbar["source"].slices}
    assert referenced and referenced <= sop_uids


def test_lesion_segment_has_the_sphere_volume(lumbar):
    """A 10 mm sphere: 4/3 pi r^3 = 4.19 mL; on 1.07 x 1.07 x 3 mm voxels within 5 %."""
    volume = lumbar["session"].volume
    lesion = next(s for s in lumbar["segments"] if s.kind == "lesion")
    voxel_ml = float(np.prod(volume.spacing_mm)) / 1000.0
    assert lesion.mask_kji.sum() * voxel_ml == pytest.approx(4.0 / 3.0 * np.pi * 10.0 ** 3 / 1000.0, rel=0.05)


@pytest.mark.parametrize("case", ["lumbar", "t12"])
@pytest.mark.parametrize("kind", ["seg", "rt"])
def test_round_trip_gives_the_masks_back(case, kind, request):
    from planner.export.seg_import import read_segments

    out = request.getfixturevalue(case)
    back = read_segments(out[kind], out["session"].volume)
    assert [b.label for b in back] == [s.label for s in out["segments"]]
    assert [b.suggested_role for b in back][:2] == ["canal", "lesion"]
    for original, read in zip(out["segments"], back):
        assert np.array_equal(original.mask_kji, read.mask_kji), original.label


def test_rtstruct_reads_back_with_pydicom(lumbar):
    ds = pydicom.dcmread(lumbar["rt"])
    assert ds.Modality == "RTSTRUCT" and [r.ROIName for r in ds.StructureSetROISequence][0] == "Spinal canal"
    frame = ds.ReferencedFrameOfReferenceSequence[0]
    assert frame.FrameOfReferenceUID == lumbar["source"].frame_of_reference_uid
    series = frame.RTReferencedStudySequence[0].RTReferencedSeriesSequence[0]
    assert series.SeriesInstanceUID == lumbar["source"].series_uid and len(series.ContourImageSequence) == 134
    types = [o.RTROIInterpretedType for o in ds.RTROIObservationsSequence]
    assert types == ["ORGAN", "GTV", "TREATED_VOLUME", "TREATED_VOLUME"]


def test_empty_uid_scan_gets_stand_ins_said_in_words(t12, t11_t12_ct_dir):
    ct = pydicom.dcmread(sorted(t11_t12_ct_dir.iterdir())[0], stop_before_pixels=True)
    source = t12["source"]
    assert source.series_uid.startswith("2.25.") and source.study_uid.startswith("2.25.")
    assert source.frame_of_reference_uid == ct.FrameOfReferenceUID  # the scan has one: kept
    assert source.slices[0].SOPInstanceUID  # from the file meta (0002,0003)
    assert {s.SOPInstanceUID for s in source.slices} == {
        pydicom.dcmread(p, stop_before_pixels=True).file_meta.MediaStorageSOPInstanceUID for p in t11_t12_ct_dir.iterdir()}
    assert any("no Series Instance UID" in n for n in source.notes)
    from planner.export.ct_source import ct_source

    assert ct_source(t12["session"].volume).series_uid == source.series_uid  # the same on every export


def test_second_export_is_a_new_version_in_the_same_series(lumbar, tmp_path):
    from planner.export.seg import write_seg

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        again = write_seg(tmp_path, lumbar["source"], lumbar["segments"], lumbar["session"].plan.created)
    first, second = pydicom.dcmread(lumbar["seg"]), pydicom.dcmread(again)
    assert first.SeriesInstanceUID == second.SeriesInstanceUID and first.SOPInstanceUID != second.SOPInstanceUID
    assert int(second.InstanceNumber) >= int(first.InstanceNumber)


def test_a_seg_made_by_highdicom_directly_opens_as_lesion(lumbar, lumbar_ct_dir):
    """Another tool's SEG: a box drawn on the CT files sorted by their own z, written by highdicom."""
    import highdicom as hd
    from pydicom.sr.codedict import codes

    from planner.export.seg_import import apply_segment, read_segments

    cts = sorted((pydicom.dcmread(p) for p in lumbar_ct_dir.iterdir()), key=lambda d: float(d.ImagePositionPatient[2]))
    box = np.zeros((len(cts), int(cts[0].Rows), int(cts[0].Columns)), dtype=bool)
    box[50:60, 260:280, 240:270] = True
    description = hd.seg.SegmentDescription(
        segment_number=1, segment_label="Tumour", segmented_property_category=codes.SCT.MorphologicallyAbnormalStructure,
        segmented_property_type=codes.SCT.Neoplasm, algorithm_type="MANUAL")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        seg = hd.seg.Segmentation(cts, box.astype(np.uint8), "BINARY", [description], hd.UID(), 77, hd.UID(), 1,
                                  "Other tool", "model", "1.0", "1")
    path = lumbar["seg"].parent / "other-tool.dcm"
    seg.save_as(path)
    (read,) = read_segments(path, lumbar["session"].volume)
    assert read.label == "Tumour" and read.suggested_role == "lesion"
    assert np.array_equal(read.mask_kji, box)
    session = lumbar["session"]
    previous = session.target_mask
    try:
        apply_segment(session, read, "lesion")
        assert np.array_equal(session.lesion_mask(), box)
    finally:
        session.set_target_mask(previous)


def test_a_seg_of_another_frame_of_reference_is_refused(lumbar, t12):
    from planner.core.errors import LoadError
    from planner.export.seg_import import read_segments

    with pytest.raises(LoadError, match="Frame of Reference"):
        read_segments(t12["seg"], lumbar["session"].volume)


def test_headless_seg_and_rtstruct_export(t11_t12_ct_dir, t12, tmp_path):
    """``python -m planner export --to seg`` end to end in a subprocess; ``--to rtstruct`` through the
    same entry point in-process (the subprocess costs about 20 s on a loaded machine)."""
    import sys
    from pathlib import Path

    from planner.headless.export import run_export
    from planner.plan.io import write_plan

    plan = write_plan(t12["session"].plan, tmp_path / "plan.json")
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run([sys.executable, "-m", "planner", "export", str(plan), "--series", str(t11_t12_ct_dir),
                             "--to", "seg", "--out", str(tmp_path / "seg")], cwd=root, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    written = Path(result.stdout.strip())
    assert written == tmp_path / "seg" / "segmentation.dcm" and pydicom.dcmread(written).Modality == "SEG"
    (rt,) = run_export(plan, t11_t12_ct_dir, "rtstruct", tmp_path / "structures.dcm")
    assert rt == tmp_path / "structures.dcm" and pydicom.dcmread(rt).Modality == "RTSTRUCT"


def test_slicer_segmentation_reads_back_with_slicerio(t12, tmp_path):
    """The .seg.nrrd read with slicerio (3D Slicer's I/O package): names, terminology codes, the CT's
    geometry (LPS), and each segment's mask exactly, also where segments overlap (separate layers)."""
    import slicerio

    from planner.export.slicer_seg import write_slicer_segmentation

    volume = t12["session"].volume
    path = write_slicer_segmentation(tmp_path / "plan", volume, t12["segments"])
    assert path.name == "plan.seg.nrrd"
    seg = slicerio.read_segmentation(str(path))
    assert [s["name"] for s in seg["segments"]] == [s.label for s in t12["segments"]]
    canal = slicerio.segment_from_name(seg, "Spinal canal")
    assert canal["terminology"]["type"][:2] == ["SCT", "61853006"]
    assert np.allclose(seg["ijkToLPS"], volume.ijk_to_lps)
    for original in t12["segments"]:
        mask = slicerio.segment_mask(seg, original.label)
        assert np.array_equal(np.transpose(mask, (2, 1, 0)), original.mask_kji), original.label
