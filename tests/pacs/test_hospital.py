"""What a hospital PACS needs: a clear reason when our AE title is not registered, only decodable
transfer syntaxes offered, UTF-8 queries, a local audit log without patient data, and the plan's DICOM
Segmentation stored in Orthanc and read back."""

from __future__ import annotations

import warnings

import numpy as np
import pydicom
import pytest

from planner.pacs import (
    QueryFilter, RequestRefused, SeriesCache, echo, find_series, find_studies, retrieve_series, send_files,
)
from planner.pacs.audit import read_audit
from planner.pacs.syntaxes import decodable_transfer_syntaxes
from tests.pacs.conftest import orthanc_binary, settings_for
from tests.pacs.strict_orthanc import StrictOrthanc


@pytest.fixture()
def strict_orthanc(tmp_path, our_port):
    (tmp_path / "strict").mkdir()
    server = StrictOrthanc(orthanc_binary(), tmp_path / "strict", our_port, registered=False)
    try:
        yield server
    finally:
        server.stop()


def test_unregistered_ae_title_is_named_as_the_reason(strict_orthanc, our_port, tmp_path):
    settings = settings_for(strict_orthanc.dicom_port, our_port, tmp_path / "cache")
    node = settings.nodes[0]
    assert echo(settings, node) > 0  # echo is open to everyone, as on many PACS
    with pytest.raises(RequestRefused, match="AE title 'PLANNERTEST' is not registered"):
        find_studies(settings, node, QueryFilter(patient_id="X"))


def test_only_decodable_transfer_syntaxes_are_offered():
    offered = decodable_transfer_syntaxes()
    assert offered[:2] == ("1.2.840.10008.1.2.1", "1.2.840.10008.1.2")
    for uid in ("1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.5"):  # JPEG 2000 lossless (the T11-T12 scan), RLE
        assert uid in offered
    for uid in ("1.2.840.10008.1.2.4.110", "1.2.840.10008.1.2.4.100", "1.2.840.10008.1.2.4.102",
                "1.2.840.10008.1.2.4.94"):  # JPEG XL, MPEG-2, H.264, JPIP
        assert uid not in offered
    assert len(offered) < 25


def test_query_with_a_unicode_name(pacs_settings, orthanc, tmp_path):
    from tests.pacs.dicom_factory import make_ct_series

    (tmp_path / "u").mkdir()
    series = make_ct_series(tmp_path / "u", n_slices=2, patient_id="PACS-UTF8")
    for path in series["paths"]:
        ds = pydicom.dcmread(path)
        ds.SpecificCharacterSet = "ISO_IR 192"
        ds.PatientName = "Müller^Zoë"
        ds.save_as(path)
    orthanc.upload(series["paths"])
    found = find_studies(pacs_settings, pacs_settings.nodes[0], QueryFilter(patient_name="Müller"))
    match = [s for s in found if s.study_uid == series["study_uid"]]
    assert match and "Müller" in match[0].patient_name and "Zoë" in match[0].patient_name


@pytest.fixture(scope="module")
def sample_seg(tmp_path_factory, sample_volume, sample_canal):
    """The sample series with the canal segmented and the demo plan; its SEG."""
    from planner.core.resources import sample_series_dir
    from planner.export.ct_source import ct_source
    from planner.export.seg import write_seg
    from planner.export.segments import plan_segments
    from planner.headless.demo import demo_plan
    from planner.session.session import PlanningSession

    volume = sample_volume  # loaded and segmented once per session (tests/conftest.py)
    session = PlanningSession()
    session.auto_evaluate = False
    session.set_volume(volume)
    session.set_canal(sample_canal.mask.copy())
    session.open_plan(demo_plan(session.plan.series))
    session.evaluate(corridors=False)
    segments = plan_segments(session)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        path = write_seg(tmp_path_factory.mktemp("seg") / "seg.dcm", ct_source(volume), segments)
    files = sorted(p for p in sample_series_dir().iterdir() if p.is_file())
    return {"session": session, "segments": segments, "path": path, "ct_files": files}


def test_seg_is_stored_in_orthanc_and_read_back(pacs_settings, orthanc, sample_seg, tmp_path):
    import highdicom as hd

    from planner.export.seg_import import read_segments

    node = pacs_settings.nodes[0]
    send_files(pacs_settings, node, sample_seg["ct_files"] + [sample_seg["path"]])
    seg_ds = pydicom.dcmread(sample_seg["path"])
    series = [s for s in find_series(pacs_settings, node, str(seg_ds.StudyInstanceUID))
              if s.series_uid == str(seg_ds.SeriesInstanceUID)]
    assert series and series[0].modality == "SEG"
    folder = retrieve_series(pacs_settings, node, series[0], SeriesCache(tmp_path / "c"), method="get")
    (back,) = [p for p in folder.rglob("*") if p.is_file() and p.suffix in ("", ".dcm") and
               pydicom.dcmread(p, stop_before_pixels=True).get("Modality") == "SEG"]
    seg = hd.seg.segread(back)
    assert [s.SegmentLabel for s in seg.SegmentSequence] == [s.label for s in sample_seg["segments"]]
    for original, read in zip(sample_seg["segments"], read_segments(back, sample_seg["session"].volume)):
        assert np.array_equal(original.mask_kji, read.mask_kji), original.label


def test_audit_log_says_what_went_where_without_patient_data(pacs_settings, orthanc, sample_seg):
    node = pacs_settings.nodes[0]
    send_files(pacs_settings, node, [sample_seg["path"]])
    entries = read_audit(pacs_settings)
    last = entries[-1]
    assert last["operation"] == "send" and last["outcome"] == "ok" and last["count"] == 1
    assert last["node"]["ae_title"] == node.ae_title and last["node"]["port"] == node.port
    assert "Segmentation Storage" in last["objects"]
    text = str(entries)
    ds = pydicom.dcmread(sample_seg["path"], stop_before_pixels=True)
    for secret in (str(ds.PatientName), str(ds.PatientID), str(ds.StudyInstanceUID), str(ds.SOPInstanceUID)):
        assert secret not in text
