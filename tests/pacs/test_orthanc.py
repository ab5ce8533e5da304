"""Echo, query, retrieve (C-GET and C-MOVE), open and send against a real Orthanc on loopback."""

from __future__ import annotations

import datetime as dt
import threading

import numpy as np
import pydicom
import pytest

from planner.core.resources import sample_series_dir
from planner.imaging import load_path
from planner.pacs import (
    CancelToken, PacsCancelled, QueryFilter, SeriesCache, check_complete, echo, find_series, find_studies,
    retrieve_series, send_files,
)
from tests.pacs.dicom_factory import STUDY_DATE, make_pdf, make_secondary_capture


def _ct(settings, ct_series):
    node = settings.nodes[0]
    study = [s for s in find_studies(settings, node, QueryFilter(patient_id=ct_series["patient_id"]))
             if s.study_uid == ct_series["study_uid"]][0]
    series = [s for s in find_series(settings, node, study) if s.series_uid == ct_series["series_uid"]]
    return node, series[0]


def test_echo(pacs_settings):
    assert echo(pacs_settings, pacs_settings.nodes[0]) > 0


def test_query_study_fields(pacs_settings, ct_series):
    node = pacs_settings.nodes[0]
    by_name = find_studies(pacs_settings, node, QueryFilter(patient_name="TEST"))
    assert ct_series["study_uid"] in {s.study_uid for s in by_name}
    study = next(s for s in by_name if s.study_uid == ct_series["study_uid"])
    assert study.patient_id == ct_series["patient_id"]
    assert study.accession_number == "ACC-PACS-1"
    assert study.study_date == STUDY_DATE
    assert "CT" in study.modalities


@pytest.mark.parametrize("query, matches", [
    (QueryFilter(accession_number="ACC-PACS-1"), True),
    (QueryFilter(accession_number="ACC-OTHER"), False),
    (QueryFilter(date_from=dt.date(2024, 3, 1), date_to=dt.date(2024, 3, 31)), True),
    (QueryFilter(date_from=dt.date(2024, 3, 16)), False),
    (QueryFilter(date_to=dt.date(2024, 3, 15)), True),
    (QueryFilter(modality="CT"), True),
    (QueryFilter(modality="MR"), False),
    (QueryFilter(patient_id="NOBODY"), False),
])
def test_query_filters(pacs_settings, ct_series, query, matches):
    found = find_studies(pacs_settings, pacs_settings.nodes[0], query)
    assert (ct_series["study_uid"] in {s.study_uid for s in found}) is matches


def test_series_level(pacs_settings, ct_series):
    node, series = _ct(pacs_settings, ct_series)
    assert series.modality == "CT"
    assert series.instance_count == 10
    assert series.description == "AXIAL 2.5"


@pytest.mark.parametrize("method", ["get", "move"])
def test_retrieve_opens_as_folder(pacs_settings, ct_series, tmp_path, method):
    node, series = _ct(pacs_settings, ct_series)
    cache = SeriesCache(tmp_path / f"cache-{method}")
    seen = []
    folder = retrieve_series(pacs_settings, node, series, cache, method=method, progress=seen.append)
    assert folder.parent.parent == cache.root / "series"
    manifest = check_complete(folder)
    assert manifest["received"] == manifest["expected"] == 10
    assert [p.received for p in seen][-1] == 10 and all(p.expected == 10 for p in seen)
    assert not list((cache.root / "staging").iterdir())
    volume = load_path(folder)
    assert volume.hu.shape == (10, 32, 32)
    assert volume.spacing_mm == pytest.approx((2.5, 2.5, 2.5))
    original = pydicom.dcmread(ct_series["paths"][4])
    k = int(np.argmin([abs(volume.ijk_to_lps[2, 3] + volume.ijk_to_lps[2, 2] * kk - 10.0) for kk in range(10)]))
    assert np.array_equal(volume.hu[k], original.pixel_array.astype(np.int16) - 1024)
    assert [c.path for c in cache.list_series()] == [folder]
    assert cache.size_bytes() > 10 * 32 * 32 * 2
    assert cache.find(series.study_uid, series.series_uid) == folder
    again = retrieve_series(pacs_settings, node, series, cache, method=method, reuse_cached=True)
    assert again == folder
    cache.clear()
    assert cache.size_bytes() == 0 and cache.find(series.study_uid, series.series_uid) is None


# Aborting while pynetdicom's reactor is still sending the response to an image that just arrived
# makes its reactor thread log InvalidEventError (P-DATA in state 13); the abort itself works.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_cancel_mid_retrieve_keeps_nothing(pacs_settings, ct_series, tmp_path):
    node, series = _ct(pacs_settings, ct_series)
    cache = SeriesCache(tmp_path / "cache")
    token = CancelToken()

    def progress(p):
        if p.received == 4:  # cancel from another thread, as the Cancel button does
            threading.Thread(target=token.cancel).start()

    with pytest.raises(PacsCancelled, match="cancelled after"):
        retrieve_series(pacs_settings, node, series, cache, progress=progress, cancel=token)
    assert cache.list_series() == [] and not list((cache.root / "staging").iterdir())


def test_send_pdf_and_secondary_capture(pacs_settings, orthanc, ct_series, tmp_path):
    node = pacs_settings.nodes[0]
    pdf = make_pdf(tmp_path, ct_series["study_uid"], ct_series["patient_id"])
    sc = make_secondary_capture(tmp_path, ct_series["study_uid"], ct_series["patient_id"])
    done = []
    report = send_files(pacs_settings, node, [pdf, sc], progress=lambda d, t, n: done.append((d, t)))
    assert report.sent == [pdf, sc] and done == [(1, 2), (2, 2)]
    for path in (pdf, sc):
        uid = pydicom.dcmread(path).SOPInstanceUID
        assert len(orthanc.find("Instance", {"SOPInstanceUID": uid})) == 1, "the PACS did not store it"
    series = find_series(pacs_settings, node, ct_series["study_uid"])
    assert {"DOC", "OT", "CT"} <= {s.modality for s in series}


def test_sample_series_round_trip(pacs_settings, orthanc, tmp_path):
    files = sorted(p for p in sample_series_dir().glob("*") if p.is_file()) if sample_series_dir().is_dir() else []
    if not files:
        pytest.skip("the bundled sample series (sample_dicom/series) has not been generated yet")
    node = pacs_settings.nodes[0]
    send_files(pacs_settings, node, files)
    first = pydicom.dcmread(files[0], stop_before_pixels=True)
    series = [s for s in find_series(pacs_settings, node, str(first.StudyInstanceUID))
              if s.series_uid == str(first.SeriesInstanceUID)][0]
    folder = retrieve_series(pacs_settings, node, series, SeriesCache(tmp_path / "c"), method="get")
    assert check_complete(folder)["received"] == series.instance_count == len(files)
    volume = load_path(folder)
    first_px = pydicom.dcmread(files[0])
    assert volume.hu.shape == (len(files), first_px.Rows, first_px.Columns)
