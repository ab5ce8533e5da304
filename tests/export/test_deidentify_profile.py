"""Every attribute of DICOM PS3.15 Table E.1-1 (the basic profile, as shipped by dicom-anonymizer
for the 2026c edition) on every object the planner exports from the real lumbar scan, de-identified:
X absent at any depth, Z empty, D a dummy, U a new UID; no private attributes; the options claimed
recorded in the De-identification Method Code Sequence; no identifier of the scan left in the bytes."""

from __future__ import annotations

import warnings

import numpy as np
import pydicom
import pytest
from dicomanonymizer.dicom_anonymization_databases import dicomfields_2026c as table

pytestmark = pytest.mark.realdata
KEPT = ("SeriesDescription", "DocumentTitle", "EncapsulatedDocument", "StructureSetLabel", "StructureSetName",
        "ROIName", "ROIDescription", "ContentDescription", "ContentLabel", "SegmentLabel", "SegmentDescription")
TYPE1_D = ("ContentDate", "ContentTime", "DeviceSerialNumber")


def _profile() -> dict:
    names = {"D_TAGS": "D", "Z_TAGS": "Z", "X_TAGS": "X", "U_TAGS": "U", "Z_D_TAGS": "Z/D", "X_Z_TAGS": "X/Z",
             "X_D_TAGS": "X/D", "X_Z_D_TAGS": "X/Z/D", "X_Z_U_STAR_TAGS": "X/Z/U*"}
    return {tuple(t): a for n, a in names.items() for t in getattr(table, n)}


PROFILE = _profile()


def _matches(tag, key) -> bool:
    if len(key) == 2:
        return tag.group == key[0] and tag.element == key[1]
    return tag.group & key[2] == key[0] & key[2] and tag.element & key[3] == key[1] & key[3]


def _walk(ds):
    for element in ds:
        yield element
        if element.VR == "SQ":
            for item in element.value:
                yield from _walk(item)


def _uids(ds) -> set[str]:
    return {str(v) for e in _walk(ds) if e.VR == "UI" for v in (e.value if e.VM > 1 else [e.value]) if v}


@pytest.fixture(scope="module")
def exported(lumbar_session, tmp_path_factory):
    from planner.export.ct_source import ct_source
    from planner.export.dicom import source_header, write_dicom_exports
    from planner.export.rtstruct import write_rtstruct
    from planner.export.seg import write_seg
    from planner.export.segments import plan_segments
    from planner.report.content import build_report
    from planner.report.pdf import ReportImage, report_pdf_bytes

    session = lumbar_session
    source = ct_source(session.volume)
    segments = plan_segments(session)
    images = [ReportImage("L3 left: axial (user-typed name)", "c", np.full((40, 60, 3), 90, np.uint8))]
    folder = tmp_path_factory.mktemp("deid")
    pdf = report_pdf_bytes(build_report(session, deidentify=True), images)
    files = write_dicom_exports(folder, source_header(session.volume.info), pdf, images, True, source,
                                session.plan.created)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        files.append(write_seg(folder / "seg.dcm", source, segments, session.plan.created, deidentify=True))
    files.append(write_rtstruct(folder / "rt.dcm", session.volume, source, segments, session.plan.created, True))
    return files, source


def test_every_object_is_exported(exported):
    modalities = sorted(pydicom.dcmread(p).Modality for p in exported[0])
    assert modalities == ["DOC", "OT", "RTSTRUCT", "SEG"]


def test_every_attribute_of_the_profile(exported):
    files, source = exported
    ct = source.first
    original_uids = {str(ct.StudyInstanceUID), str(ct.SeriesInstanceUID), str(ct.FrameOfReferenceUID)} | {
        str(s.SOPInstanceUID) for s in source.slices}
    checked = 0
    for path in files:
        ds = pydicom.dcmread(path)
        elements = list(_walk(ds))
        assert not [e for e in elements if e.tag.is_private], path.name
        for key, action in PROFILE.items():
            for element in (e for e in elements if _matches(e.tag, key)):
                checked += 1
                where = f"{path.name} {element.tag} {element.keyword} ({action})"
                if element.keyword in KEPT:
                    continue
                if element.keyword in TYPE1_D and "D" in action:
                    assert element.value not in ("", None) and element.value != ct.get(element.keyword), where
                elif action in ("X", "X/D"):
                    pytest.fail(f"{where}: should be removed")
                elif action in ("Z", "Z/D", "X/Z", "X/Z/D"):
                    assert element.value in ("", None, b"") or (element.VR == "SQ" and len(element.value) == 0), where
                elif action == "D":
                    if element.keyword == "PatientName":
                        assert str(element.value) == "ANONYMOUS^", where
                    elif element.keyword == "PatientID":
                        assert str(element.value).startswith("ANON-"), where
                    else:
                        assert element.value not in ("", None) and element.value != ct.get(element.keyword), where
                elif action in ("U", "X/Z/U*") and element.VR == "UI":
                    assert str(element.value).startswith("2.25.") and str(element.value) not in original_uids, where
    assert checked > 20  # the profile does reach these objects


def test_no_original_uid_or_identifier_remains(exported):
    files, source = exported
    originals = {str(s.SOPInstanceUID) for s in source.slices} | {source.study_uid, source.series_uid,
                                                                   source.frame_of_reference_uid}
    for path in files:
        ds = pydicom.dcmread(path)
        assert not (_uids(ds) & originals), path.name
        blob = path.read_bytes()
        assert b"Pancreas-CT-CB_001" not in blob and b"20120706" not in blob, path.name
        assert b"user-typed" not in blob, path.name  # Image Comments / Derivation Description dropped


def test_method_and_options_are_recorded(exported):
    for path in exported[0]:
        ds = pydicom.dcmread(path)
        assert ds.PatientIdentityRemoved == "YES" and ds.DeidentificationMethod
        codes = [c.CodeValue for c in ds.DeidentificationMethodCodeSequence]
        assert "113100" in codes and "113105" in codes, path.name
        assert len(codes) > 2  # the CT's own earlier de-identification (TCIA) is kept, not dropped


def test_frame_of_reference_is_replaced_consistently(exported):
    datasets = [pydicom.dcmread(p) for p in exported[0]]
    seg = next(d for d in datasets if d.Modality == "SEG")
    rt = next(d for d in datasets if d.Modality == "RTSTRUCT")
    assert seg.FrameOfReferenceUID != exported[1].frame_of_reference_uid
    assert rt.FrameOfReferenceUID == rt.ReferencedFrameOfReferenceSequence[0].FrameOfReferenceUID
