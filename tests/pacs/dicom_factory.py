"""DICOM objects made with pydicom for the PACS tests: a small CT series, an Encapsulated PDF, a
Secondary Capture image. Geometry follows PS3.3 C.7.6.2 (axial slices 2.5 mm apart along +z)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import (
    CTImageStorage, EncapsulatedPDFStorage, ExplicitVRLittleEndian, SecondaryCaptureImageStorage,
    generate_uid,
)

STUDY_DATE = "20240315"


def _base(sop_class: str, study_uid: str, series_uid: str, modality: str, patient_id: str) -> Dataset:
    ds = Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = sop_class
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = sop_class
    ds.PatientID = patient_id
    ds.PatientName = "TEST^SPINE"
    ds.PatientBirthDate = "19600101"
    ds.PatientSex = "F"
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.StudyDate = STUDY_DATE
    ds.StudyTime = "101500"
    ds.AccessionNumber = "ACC-PACS-1"
    ds.StudyID = "1"
    ds.ReferringPhysicianName = ""
    ds.Modality = modality
    ds.StudyDescription = "CT LUMBAR SPINE"
    return ds


def make_ct_series(folder: Path, n_slices: int = 10, size: int = 32, patient_id: str = "PACS-TEST-1") -> dict:
    """Write an axial CT series (int16, slope 1, intercept -1024): a bright disc in a soft-tissue square."""
    study_uid, series_uid, frame_uid = generate_uid(), generate_uid(), generate_uid()
    yy, xx = np.mgrid[0:size, 0:size]
    disc = (yy - size / 2) ** 2 + (xx - size / 2) ** 2 < (size / 4) ** 2
    paths = []
    for k in range(n_slices):
        ds = _base(CTImageStorage, study_uid, series_uid, "CT", patient_id)
        ds.SeriesNumber = 3
        ds.SeriesDescription = "AXIAL 2.5"
        ds.InstanceNumber = k + 1
        ds.FrameOfReferenceUID = frame_uid
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.ImagePositionPatient = [-40.0, -40.0, 2.5 * k]
        ds.PixelSpacing = [2.5, 2.5]
        ds.SliceThickness = 2.5
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.Rows = ds.Columns = size
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 1
        ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = -1024, 1, "HU"
        hu = np.where(disc, 700 + 10 * k, 40).astype(np.int16)
        ds.PixelData = (hu + 1024).astype(np.int16).tobytes()
        path = folder / f"ct_{k:03d}.dcm"
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return {"paths": paths, "study_uid": study_uid, "series_uid": series_uid, "patient_id": patient_id}


def make_pdf(folder: Path, study_uid: str, patient_id: str) -> Path:
    """An Encapsulated PDF (PS3.3 A.45) holding a one-page PDF."""
    ds = _base(EncapsulatedPDFStorage, study_uid, generate_uid(), "DOC", patient_id)
    pdf = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]"
           b"/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
           b"trailer<</Root 1 0 R>>\n%%EOF\n")
    ds.SeriesNumber = 900
    ds.InstanceNumber = 1
    ds.ConversionType = "WSD"
    ds.DocumentTitle = "Ablation plan report"
    ds.MIMETypeOfEncapsulatedDocument = "application/pdf"
    ds.BurnedInAnnotation = "YES"
    ds.ContentDate = dt.date.today().strftime("%Y%m%d")
    ds.EncapsulatedDocument = pdf + (b"\0" if len(pdf) % 2 else b"")
    path = folder / "report.dcm"
    ds.save_as(path, enforce_file_format=True)
    return path


def make_secondary_capture(folder: Path, study_uid: str, patient_id: str) -> Path:
    """A Secondary Capture (PS3.3 A.8) RGB key image."""
    ds = _base(SecondaryCaptureImageStorage, study_uid, generate_uid(), "OT", patient_id)
    ds.SeriesNumber = 901
    ds.InstanceNumber = 1
    ds.ConversionType = "WSD"
    ds.SamplesPerPixel = 3
    ds.PhotometricInterpretation = "RGB"
    ds.PlanarConfiguration = 0
    ds.Rows, ds.Columns = 16, 24
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    rgb = np.zeros((16, 24, 3), np.uint8)
    rgb[..., 0] = 200
    rgb[4:12, 6:18, 1] = 255
    ds.PixelData = rgb.tobytes()
    path = folder / "key_image.dcm"
    ds.save_as(path, enforce_file_format=True)
    return path
