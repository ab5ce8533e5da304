"""A plan's masks as a DICOM Segmentation (SEG Storage 1.2.840.10008.5.1.4.1.1.66.4; PS3.3 A.51),
written with highdicom.

The SEG is BINARY, one segment per :class:`~planner.export.segments.ExportSegment`, drawn on the CT
images themselves (highdicom fills the Source Image Sequence (0008,2112) of each frame and the
Referenced Series Sequence (0008,1115) from them), in the CT's study and Frame of Reference
(0020,0052). Empty frames are left out. Segment labels say what they are ("Spinal canal", "Ablation
zone 1", …); each has its coded category and type (see :mod:`planner.export.segments`).

Series and versions: the SEG series UID is derived from the CT series and the plan's id
(:func:`planner.export.uids.derived_uid`), so a second export of the same plan is a new instance
(new SOP Instance UID, next Instance Number, new Content Date/Time) in the *same* series; viewers
and PACS show the newest instance first.
"""

from __future__ import annotations

import copy
from datetime import datetime
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset

from planner import __version__
from planner.core.errors import PlannerError
from planner.export.ct_source import CtSource
from planner.export.segments import ExportSegment
from planner.export.uids import derived_uid, new_uid

MANUFACTURER = "Spine Ablation Planner"
SEG_SERIES_NUMBER = 9003


def instance_number_now() -> int:
    """An Instance Number that grows with each export: minutes since 2020 (about 3.7 million in 2027;
    times 100 plus an image number it stays below IS's 2^31 - 1 until about 2060), so the newest
    version of a derived series sorts last without reading the old ones."""
    return int((datetime.now() - datetime(2020, 1, 1)).total_seconds() // 60)


def segment_descriptions(segments: list[ExportSegment]):
    """highdicom segment descriptions: label, coded category and type, algorithm (type, family from
    :data:`planner.export.segments.KINDS`), tracking id/UID and display colour (CIE Lab, PS3.3 C.10.7.1.1)."""
    import highdicom as hd

    out = []
    for number, seg in enumerate(segments, start=1):
        algorithm = None
        if seg.algorithm_type != "MANUAL":
            algorithm = hd.AlgorithmIdentificationSequence(name="Spine Ablation Planner", version=__version__,
                                                           family=seg.algorithm_family)
        out.append(hd.seg.SegmentDescription(
            segment_number=number, segment_label=seg.label[:64], segmented_property_category=seg.category,
            segmented_property_type=seg.type, algorithm_type=seg.algorithm_type, algorithm_identification=algorithm,
            tracking_uid=derived_uid("tracking", seg.label), tracking_id=seg.label[:64],
            display_color=hd.color.CIELabColor.from_rgb(*seg.colour_rgb)))
    return out


def build_seg(source: CtSource, segments: list[ExportSegment], plan_id: str = "", description: str = "") -> Dataset:
    """The Segmentation dataset (not yet de-identified)."""
    import highdicom as hd

    if not segments:
        raise PlannerError("A segmentation needs at least one segment.")
    pixels = np.stack([s.mask_kji for s in segments], axis=-1).astype(np.uint8)  # (frames, rows, cols, segments)
    seg = hd.seg.Segmentation(
        source_images=source.slices, pixel_array=pixels, segmentation_type=hd.seg.SegmentationTypeValues.BINARY,
        segment_descriptions=segment_descriptions(segments),
        series_instance_uid=derived_uid("seg", source.series_uid, plan_id), series_number=SEG_SERIES_NUMBER,
        sop_instance_uid=new_uid(), instance_number=instance_number_now(), manufacturer=MANUFACTURER,
        manufacturer_model_name="Spine Ablation Planner", software_versions=__version__,
        device_serial_number="0", content_description=(description or "Ablation plan segments")[:64],
        content_label="ABLATIONPLAN", series_description="Ablation plan segmentation",
        transfer_syntax_uid="1.2.840.10008.1.2.1")
    for keyword in ("PatientIdentityRemoved", "DeidentificationMethod", "DeidentificationMethodCodeSequence",
                    "LongitudinalTemporalInformationModified"):  # Patient module attributes highdicom leaves out
        if keyword in source.first and keyword not in seg:
            seg[keyword] = copy.deepcopy(source.first[keyword])
    return seg


def write_seg(path, source: CtSource, segments: list[ExportSegment], plan_id: str = "",
              deidentify: bool = False, staging=None) -> Path:
    """Write the SEG to ``path`` (a file, or a folder that gets ``segmentation.dcm``), atomically
    (:func:`planner.export.atomic.staged_write`; into ``staging`` when given, the caller commits)."""
    from planner.export.atomic import staged_write

    from planner.export.deidentify import UidMap, deidentify_dataset

    path = Path(path)
    if path.is_dir() or path.suffix == "":
        path = path / "segmentation.dcm"
    ds = build_seg(source, segments, plan_id)
    if deidentify:
        from planner.export.dicom import PLANNER_DESCRIPTORS

        deidentify_dataset(ds, UidMap(), keep=PLANNER_DESCRIPTORS)
    try:
        staged_write(path, lambda temp: ds.save_as(temp, enforce_file_format=True), staging)
    except OSError as exc:
        raise PlannerError(f"The segmentation could not be written to {path} ({exc.strerror or exc}).") from None
    return path
