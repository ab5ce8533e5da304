"""What a DICOM SEG, an RT Structure Set or a 3D Slicer segmentation of a plan holds: named masks
on the CT grid, each with a coded category and type.

Codes (SNOMED CT "SCT" and DICOM "DCM", as listed in DICOM PS3.16 and pydicom's code dictionary
``pydicom.sr.codedict.codes``); category from CID 7150 "Segmentation Property Categories":

| segment | category | type |
|---|---|---|
| Spinal canal | SCT 91723000 Anatomical Structure | SCT 61853006 Spinal canal |
| Neural foramen … (from a foramina provider) | SCT 91723000 Anatomical Structure | SCT 91723000 Anatomical Structure (no code for the intervertebral foramen in PS3.16's lists) |
| Lesion | SCT 49755003 Morphologically Abnormal Structure | SCT 14799000 Neoplasm, Metastatic |
| Clinical target volume | SCT 309825002 Spatial and Relational Concept | SCT 228792002 Clinical Target Volume |
| Ablation zone N (predicted) | SCT 309825002 Spatial and Relational Concept | DCM 130059 Treated Volume |
| Thermal damage (bioheat) | SCT 49755003 Morphologically Abnormal Structure | SCT 6574001 Necrosis |

Zones are rasterised on the CT grid (a voxel belongs to a zone when its centre is inside,
:func:`planner.geometry.raster.rasterise`). Masks from other helpers (CTV, foramina, bioheat damage)
come in through ``extra``: a dict from a name to a mask, or to ``(mask, kind)`` with ``kind`` one of
:data:`KINDS`; a name starting with "ctv", "foramen"/"foramina" or "damage"/"thermal" picks its kind
by itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydicom.sr.coding import Code

from planner.core.errors import PlannerError
from planner.geometry.raster import VoxelGrid, paste, rasterise, rasterise_union

ANATOMICAL_STRUCTURE = Code("91723000", "SCT", "Anatomical Structure")
ABNORMAL_STRUCTURE = Code("49755003", "SCT", "Morphologically Abnormal Structure")
SPATIAL_CONCEPT = Code("309825002", "SCT", "Spatial and Relational Concept")

#: Algorithm families (CID 7162) of the planner's masks: thresholds, region growing and morphology for
#: the canal, lesion and foramina; for model predictions (zones, bioheat damage) CID 7162 has no entry,
#: so a local code (coding scheme "99SAP": PS3.16 8.2 reserves "99" prefixes for local schemes).
MORPHOLOGY = Code("123104", "DCM", "Morphological Operations")
ZONE_MODEL = Code("ZONEMODEL", "99SAP", "Ablation zone model")

#: kind -> (category, type, algorithm type (PS3.3 C.8.20.2.3: MANUAL, SEMIAUTOMATIC, AUTOMATIC),
#: algorithm family, display colour RGB)
KINDS: dict[str, tuple[Code, Code, str, Code, tuple[int, int, int]]] = {
    "canal": (ANATOMICAL_STRUCTURE, Code("61853006", "SCT", "Spinal canal"), "SEMIAUTOMATIC", MORPHOLOGY, (255, 214, 0)),
    "foramen": (ANATOMICAL_STRUCTURE, ANATOMICAL_STRUCTURE, "SEMIAUTOMATIC", MORPHOLOGY, (255, 160, 60)),
    "lesion": (ABNORMAL_STRUCTURE, Code("14799000", "SCT", "Neoplasm, Metastatic"), "SEMIAUTOMATIC", MORPHOLOGY,
               (220, 40, 220)),
    "ctv": (SPATIAL_CONCEPT, Code("228792002", "SCT", "Clinical Target Volume"), "SEMIAUTOMATIC", MORPHOLOGY,
            (60, 120, 255)),
    "zone": (SPATIAL_CONCEPT, Code("130059", "DCM", "Treated Volume"), "AUTOMATIC", ZONE_MODEL, (255, 90, 30)),
    "damage": (ABNORMAL_STRUCTURE, Code("6574001", "SCT", "Necrosis"), "AUTOMATIC", ZONE_MODEL, (200, 0, 0)),
}


@dataclass(frozen=True, eq=False)
class ExportSegment:
    """One named mask ``[k, j, i]`` on the CT grid with what it is."""

    label: str
    kind: str
    mask_kji: np.ndarray
    description: str = ""

    @property
    def category(self) -> Code:
        return KINDS[self.kind][0]

    @property
    def type(self) -> Code:
        return KINDS[self.kind][1]

    @property
    def algorithm_type(self) -> str:
        return KINDS[self.kind][2]

    @property
    def algorithm_family(self) -> Code:
        return KINDS[self.kind][3]

    @property
    def colour_rgb(self) -> tuple[int, int, int]:
        return KINDS[self.kind][4]


def _kind_of(name: str) -> str:
    low = name.lower()
    for prefix, kind in (("ctv", "ctv"), ("clinical target", "ctv"), ("foramen", "foramen"), ("foramina", "foramen"),
                         ("neural foramen", "foramen"), ("damage", "damage"), ("thermal", "damage"),
                         ("canal", "canal"), ("lesion", "lesion"), ("zone", "zone")):
        if low.startswith(prefix):
            return kind
    raise PlannerError(f"The segment {name!r} has no kind: pass (mask, kind) with kind one of {', '.join(KINDS)}.")


def _extra_segments(extra: dict, shape) -> list[ExportSegment]:
    out = []
    for name, value in (extra or {}).items():
        mask, kind = (value if isinstance(value, tuple) else (value, _kind_of(name)))
        mask = np.asarray(mask, dtype=bool)
        if mask.shape != tuple(shape):
            raise PlannerError(f"The mask {name!r} has shape {mask.shape}, not the CT's {tuple(shape)}.")
        if kind not in KINDS:
            raise PlannerError(f"The mask {name!r} has an unknown kind {kind!r} (one of {', '.join(KINDS)}).")
        label = {"ctv": "Clinical target volume", "damage": "Thermal damage (bioheat model)"}.get(kind, name) \
            if name.lower() in ("ctv", "damage") else name
        out.append(ExportSegment(label, kind, mask))
    return out


def plan_segments(session, extra: dict | None = None) -> list[ExportSegment]:
    """The canal, the lesion, each predicted zone and ``extra`` masks of an evaluated session, in this
    order; empty masks are left out. PlannerError when there is nothing to export."""
    from planner.session.targets import target_shape

    if session.volume is None:
        raise PlannerError("Open a CT series before exporting segmentations.")
    grid = VoxelGrid.of(session.volume)
    shape = grid.shape_kji
    segments = []
    if session.canal_mask is not None:
        segments.append(ExportSegment("Spinal canal", "canal", session.canal_mask,
                                      "Spinal canal segmented on CT by the planner"))
    lesion = session.lesion_mask()
    if lesion is None:
        shapes = [s for s in (target_shape(t) for t in session.plan.targets) if s is not None]
        if shapes:
            local, box = rasterise_union(grid, shapes)
            lesion = paste(shape, local, box)
    if lesion is not None:
        segments.append(ExportSegment("Lesion", "lesion", lesion, "Target lesion drawn or segmented in the planner"))
    evaluation = session.evaluation if session.evaluation is not None else session.evaluate(corridors=False)
    for number, result in enumerate(evaluation.zones, start=1):
        if result.zone is None:
            continue
        local, box = rasterise(grid, result.zone)
        segments.append(ExportSegment(f"Ablation zone {number}", "zone", paste(shape, local, box),
                                      f"Predicted ablation zone of antenna {number} (device {result.zone.device_id}; "
                                      "a prediction from the device table, not a measurement)"))
    segments += _extra_segments(extra or {}, shape)
    segments = [s for s in segments if np.any(s.mask_kji)]
    if not segments:
        raise PlannerError("There is nothing to export: no canal, lesion, zone or other mask in this plan.")
    return segments
