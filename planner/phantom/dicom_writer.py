"""Write an ``ImageVolume`` as a deterministic CT Image Storage series (RLE Lossless).

Modules of the CT Image IOD (PS3.3 A.3): Patient (C.7.1.1), General Study (C.7.2.1), Patient Study
(C.7.2.2), General Series (C.7.3.1), Frame of Reference (C.7.4.1), General Equipment (C.7.5.1),
General Acquisition (C.7.10.1), General Image (C.7.6.1), Image Plane (C.7.6.2), Image Pixel
(C.7.6.3), CT Image (C.8.2.1), VOI LUT (C.11.2), SOP Common (C.12.1). UIDs are derived from the seed
as ``2.25.`` name-based UUIDs, dates are fixed, so the same
input gives byte-identical files.
"""

from __future__ import annotations

import copy
import uuid
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import CTImageStorage, ExplicitVRLittleEndian, RLELossless

from planner.core.errors import PlannerError
from planner.core.volume import ImageVolume

RESCALE_INTERCEPT = -1024.0
BITS_STORED = 12
STUDY_DATE = "20000101"
STUDY_TIME = "120000"
#: Default window first: bone (C 400, W 1800), then soft tissue (C 40, W 400).
WINDOWS = (("400", "1800", "BONE"), ("40", "400", "SOFT TISSUE"))


_UID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:spine-ablation-planner:phantom")


def derived_uid(seed: int, *parts: str) -> str:
    """A UID fixed by ``seed`` and ``parts``: ``2.25.`` + a name-based UUID (PS3.5 B.2, RFC 4122 v5)."""
    return f"2.25.{uuid.uuid5(_UID_NAMESPACE, '/'.join([str(seed), *parts])).int}"


def _common_dataset(volume: ImageVolume, seed: int) -> Dataset:
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID = CTImageStorage
    ds.ImageType = ["DERIVED", "SECONDARY", "AXIAL"]
    ds.InstanceCreationDate, ds.InstanceCreationTime = STUDY_DATE, STUDY_TIME
    ds.StudyDate = ds.SeriesDate = ds.AcquisitionDate = ds.ContentDate = STUDY_DATE
    ds.StudyTime = ds.SeriesTime = ds.AcquisitionTime = ds.ContentTime = STUDY_TIME
    ds.AccessionNumber = ""
    ds.Modality = "CT"
    ds.Manufacturer = "Spine Ablation Planner (synthetic phantom)"
    ds.ManufacturerModelName = "planner.phantom"
    ds.SoftwareVersions = "1"
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = volume.info.study_description
    ds.SeriesDescription = volume.info.series_description
    ds.DerivationDescription = "Synthetic image computed from an implicit anatomical model; no patient data"
    ds.PatientName = volume.info.patient_name
    ds.PatientID = volume.info.patient_id
    ds.PatientBirthDate = ""
    ds.PatientSex = "O"
    ds.PatientIdentityRemoved = "YES"
    ds.DeidentificationMethod = "Synthetic phantom: never contained patient data"
    ds.BodyPartExamined = "LSPINE"
    ds.PatientPosition = "HFP"
    ds.StudyInstanceUID = derived_uid(seed, "study")
    ds.SeriesInstanceUID = derived_uid(seed, "series")
    ds.FrameOfReferenceUID = derived_uid(seed, "frame-of-reference")
    ds.PositionReferenceIndicator = ""
    ds.StudyID = "SYNTH1"
    ds.SeriesNumber = 1
    ds.AcquisitionNumber = 1
    ds.KVP = "120"
    ds.ConvolutionKernel = "SYNTHETIC"
    ni, nj, _ = volume.shape_ijk
    ds.ReconstructionDiameter = f"{ni * volume.spacing_mm[0]:.2f}"
    ds.SliceThickness = f"{volume.spacing_mm[2]:g}"
    ds.SpacingBetweenSlices = f"{volume.spacing_mm[2]:g}"
    ds.PixelSpacing = [f"{volume.spacing_mm[1]:.6g}", f"{volume.spacing_mm[0]:.6g}"]
    d = volume.direction
    ds.ImageOrientationPatient = [f"{v:g}" for v in (*d[:, 0], *d[:, 1])]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = nj, ni
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, BITS_STORED, BITS_STORED - 1
    ds.PixelRepresentation = 0
    ds.RescaleIntercept = f"{RESCALE_INTERCEPT:g}"
    ds.RescaleSlope = "1"
    ds.RescaleType = "HU"
    ds.WindowCenter = [w[0] for w in WINDOWS]
    ds.WindowWidth = [w[1] for w in WINDOWS]
    ds.WindowCenterWidthExplanation = [w[2] for w in WINDOWS]
    return ds


def stored_values(hu_slice: np.ndarray) -> np.ndarray:
    """HU -> stored uint16 values (HU - RescaleIntercept), clipped to the 12 stored bits."""
    raw = np.asarray(hu_slice, dtype=np.int32) - int(RESCALE_INTERCEPT)
    return np.clip(raw, 0, 2**BITS_STORED - 1).astype(np.uint16)


def write_ct_series(volume: ImageVolume, out_dir: Path, seed: int, prefix: str = "CT") -> list[Path]:
    """Write one file per slice, ``<prefix>0001.dcm`` upward from the first (most inferior) slice.

    Raises PlannerError when the volume's slices are not along the direction normal (the writer
    only handles axial stacks without gantry tilt).
    """
    d = volume.direction
    normal = np.cross(d[:, 0], d[:, 1])
    if not np.allclose(normal, d[:, 2], atol=1e-6):
        raise PlannerError("Only untilted axial stacks can be written as a CT series.")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    common = _common_dataset(volume, seed)
    paths = []
    for k in range(volume.hu.shape[0]):
        ds = copy.deepcopy(common)
        ds.SOPInstanceUID = derived_uid(seed, "instance", str(k))
        ds.InstanceNumber = k + 1
        pos = volume.to_lps((0.0, 0.0, float(k)))
        ds.ImagePositionPatient = [f"{v:.6f}".rstrip("0").rstrip(".") for v in pos]
        ds.SliceLocation = f"{float(np.dot(pos, normal)):.6f}".rstrip("0").rstrip(".")
        meta = FileMetaDataset()
        meta.MediaStorageSOPClassUID = CTImageStorage
        meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        meta.ImplementationClassUID = derived_uid(0, "implementation-class")
        meta.ImplementationVersionName = "SPINEPLAN_PH1"
        ds.file_meta = meta
        ds.compress(RLELossless, stored_values(volume.hu[k]), encoding_plugin="pydicom",
                    generate_instance_uid=False)
        path = out_dir / f"{prefix}{k + 1:04d}.dcm"
        ds.save_as(path, enforce_file_format=True)
        paths.append(path)
    return paths
