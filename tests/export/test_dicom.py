"""DICOM exports: Encapsulated PDF and Secondary Capture in the sample's study, checked with
dciodvfy (dicom3tools) when installed, and de-identified without a trace of the patient."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pydicom
import pytest

from planner.export.deidentify import BASIC_PROFILE, RESOLVED
from planner.export.dicom import PLANNER_DESCRIPTORS
from planner.export.dicom import (ENCAPSULATED_PDF_STORAGE, SECONDARY_CAPTURE_STORAGE, source_header,
                                  write_dicom_exports)
from planner.report.content import build_report
from planner.report.pdf import ReportImage, report_pdf_bytes
from tests.export.conftest import identifiers_in


@pytest.fixture(scope="module")
def exports(sample_session, tmp_path_factory):
    images = [ReportImage("axial", "c", np.full((40, 60, 3), 90, np.uint8)),
              ReportImage("3D", "c", np.full((30, 50, 3), 200, np.uint8))]
    out = {}
    for deid in (False, True):
        pdf = report_pdf_bytes(build_report(sample_session, deidentify=deid), images)
        folder = tmp_path_factory.mktemp("deid" if deid else "plain")
        out[deid] = write_dicom_exports(folder, source_header(sample_session.volume.info), pdf, images, deid)
    return out


def test_objects_go_into_the_original_study(exports, sample_series):
    ct = pydicom.dcmread(sorted(sample_series.iterdir())[0], stop_before_pixels=True)
    report, *images = [pydicom.dcmread(p) for p in exports[False]]
    assert report.SOPClassUID == ENCAPSULATED_PDF_STORAGE and report.MIMETypeOfEncapsulatedDocument == "application/pdf"
    assert bytes(report.EncapsulatedDocument)[:report.EncapsulatedDocumentLength].startswith(b"%PDF")
    assert [im.SOPClassUID for im in images] == [SECONDARY_CAPTURE_STORAGE] * 2
    for ds in [report, *images]:
        assert ds.StudyInstanceUID == ct.StudyInstanceUID
        assert ds.PatientName == ct.PatientName and ds.PatientID == ct.PatientID and ds.StudyID == ct.StudyID
        assert ds.SeriesInstanceUID != ct.SeriesInstanceUID and ds.SOPInstanceUID != ct.SOPInstanceUID
    assert report.SeriesInstanceUID != images[0].SeriesInstanceUID == images[1].SeriesInstanceUID
    assert images[1].Rows == 30 and images[1].Columns == 50 and images[1].PhotometricInterpretation == "RGB"
    assert np.all(images[1].pixel_array == 200)


def test_deidentified_objects_carry_no_identifiers(exports, sample_series):
    ct = pydicom.dcmread(sorted(sample_series.iterdir())[0], stop_before_pixels=True)
    assert identifiers_in(exports[False][0])  # the scan finds them when they are there
    for path in exports[True]:
        assert identifiers_in(path) == [], path.name
        ds = pydicom.dcmread(path)
        assert ds.PatientIdentityRemoved == "YES" and ds.StudyInstanceUID != ct.StudyInstanceUID
        assert ds.StudyDate == "" and "InstanceCreationDate" not in ds
        for tag, action in BASIC_PROFILE.items():
            if len(tag) == 2 and RESOLVED.get(action, action) == "X" and tag in ds:
                assert ds[tag].keyword in PLANNER_DESCRIPTORS, tag  # kept only under Clean Descriptors
    studies = {pydicom.dcmread(p).StudyInstanceUID for p in exports[True]}
    assert len(studies) == 1  # one study, consistently replaced


def test_dciodvfy_finds_no_error(exports):
    if shutil.which("dciodvfy") is None:
        pytest.skip("dciodvfy (Debian package dicom3tools) is not installed")
    for path in exports[False] + exports[True]:
        result = subprocess.run(["dciodvfy", str(path)], capture_output=True, text=True, timeout=60)
        errors = [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("Error")]
        assert not errors, (path.name, errors)
