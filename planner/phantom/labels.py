"""Label values of the phantom's ground-truth label map (written to ``labels.json``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LabelInfo:
    value: int
    name: str
    description: str


BACKGROUND = 0
LESION = 10
CANAL_EPIDURAL = 30
CANAL_CSF = 31
CORD = 32
#: Every label inside the bony spinal canal (the canal lumen); the lesion's epidural part is LESION.
CANAL_LUMEN = (CANAL_EPIDURAL, CANAL_CSF, CORD)

VERTEBRA_LABELS = {"T12": 1, "L1": 2, "L2": 3, "L3": 4, "L4": 5}
DISC_LABELS = {("T12", "L1"): 11, ("L1", "L2"): 12, ("L2", "L3"): 13, ("L3", "L4"): 14}


def label_table() -> list[LabelInfo]:
    """Every label value with its name and a description, in value order."""
    rows = [LabelInfo(BACKGROUND, "background",
                      "Everything else: air, skin, fat, muscle, ligaments, vessels, organs.")]
    for name, value in VERTEBRA_LABELS.items():
        partial = " (only partly inside the field of view)" if name in ("T12", "L4") else ""
        rows.append(LabelInfo(value, f"vertebra_{name}",
                              f"{name} vertebra, all bone: cortical shell and cancellous interior of the "
                              f"body and posterior arch{partial}. Lesion voxels are not included."))
    rows.append(LabelInfo(LESION, "lesion",
                          "Osteolytic metastasis in the left half of the L2 body (soft-tissue density); "
                          "it breaks through the posterior cortical wall into the anterior epidural space."))
    for (up, lo), value in DISC_LABELS.items():
        rows.append(LabelInfo(value, f"disc_{up}_{lo}",
                              f"Intervertebral disc {up}-{lo} (annulus and nucleus)."))
    rows.append(LabelInfo(CANAL_EPIDURAL, "canal_epidural",
                          "Spinal canal lumen outside the thecal sac: epidural fat."))
    rows.append(LabelInfo(CANAL_CSF, "canal_csf", "Thecal sac: cerebrospinal fluid around the cord."))
    rows.append(LabelInfo(CORD, "cord",
                          "Spinal cord / conus medullaris, tapering at L1-L2 into the cauda equina bundle."))
    return sorted(rows, key=lambda r: r.value)
