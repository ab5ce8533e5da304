"""The plan's masks as a 3D Slicer segmentation (``.seg.nrrd``), written with ``slicerio`` (3D Slicer's
own Python I/O package).

Each :class:`~planner.export.segments.ExportSegment` becomes a segment with its name, colour and a
terminology entry (the same SCT/DCM category and type codes as the DICOM SEG; Slicer's TerminologyEntry
tag, ``contextName~category~type~…``). Overlapping segments (a zone over the lesion) go to separate
layers, as Slicer stores them (a 4D NRRD with a ``list`` axis). The grid is the CT's: ``space
left-posterior-superior``, ``space origin`` and ``space directions`` from the volume's ``ijk_to_lps``,
so Slicer places it on the CT loaded from the same DICOM files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from planner.core.errors import PlannerError
from planner.core.volume import ImageVolume
from planner.export.segments import ExportSegment

CONTEXT = "Segmentation category and type - Spine Ablation Planner"


def _code_list(code) -> list[str]:
    return [code.scheme_designator, code.value, code.meaning]


def build_slicer_segmentation(volume: ImageVolume, segments: list[ExportSegment]) -> dict:
    import slicerio

    nk, nj, ni = volume.hu.shape
    segmentation = slicerio.create_segmentation((ni, nj, nk), volume.ijk_to_lps)
    for number, seg in enumerate(segments, start=1):
        mask_ijk = np.transpose(seg.mask_kji, (2, 1, 0))  # slicerio: spatial axes i, j, k
        slicerio.add_segment(segmentation, mask_ijk, {
            "id": f"Segment_{number}", "name": seg.label, "color": [c / 255.0 for c in seg.colour_rgb],
            "terminology": {"contextName": CONTEXT, "category": _code_list(seg.category),
                            "type": _code_list(seg.type)}})
    return segmentation


def write_slicer_segmentation(path, volume: ImageVolume, segments: list[ExportSegment], staging=None) -> Path:
    """Write ``path`` (``.seg.nrrd`` added when missing) atomically (:func:`planner.export.atomic.staged_write`;
    into ``staging`` when given, the caller commits); PlannerError when it cannot be written."""
    import slicerio

    from planner.export.atomic import staged_write

    path = Path(path)
    if not path.name.endswith(".seg.nrrd"):
        path = path.with_name(path.name + ".seg.nrrd") if path.suffix else path / "plan.seg.nrrd"
    segmentation = build_slicer_segmentation(volume, segments)
    try:
        staged_write(path, lambda temp: slicerio.write_segmentation(str(temp), segmentation), staging)
    except OSError as exc:
        raise PlannerError(f"The 3D Slicer segmentation could not be written to {path} ({exc.strerror or exc}).") from None
    return path
