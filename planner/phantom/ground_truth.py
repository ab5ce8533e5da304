"""Write the sample case: DICOM series, label map, label table, landmarks and READMEs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from planner.core.lazy import lazy_module
from planner.phantom.dicom_writer import write_ct_series
from planner.phantom.generate import PhantomResult
from planner.phantom.labels import CANAL_LUMEN, LESION, label_table
from planner.phantom.landmarks import build_landmarks

sitk = lazy_module("SimpleITK")  # imported on first use (start-up time)

SERIES_DIR = "series"
TRUTH_DIR = "ground_truth"
LABELS_FILE = "labels.nii.gz"
REGENERATE = "python -m planner.phantom --out sample_dicom"


def write_label_image(result: PhantomResult, path: Path) -> None:
    """The label map on the CT grid: origin, spacing and direction equal the DICOM LPS geometry."""
    img = sitk.GetImageFromArray(np.ascontiguousarray(result.labels))  # array order (k, j, i)
    vol = result.volume
    img.SetOrigin(vol.origin_lps)
    img.SetSpacing(vol.spacing_mm)
    img.SetDirection(tuple(float(v) for v in vol.direction.ravel()))  # row-major, columns = axes
    sitk.WriteImage(img, str(path), useCompression=True)


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def _labels_json() -> dict:
    return {
        "file": LABELS_FILE,
        "labels": {str(r.value): {"name": r.name, "description": r.description} for r in label_table()},
        "groups": {"spinal_canal_lumen": list(CANAL_LUMEN) + [LESION],
                   "spinal_canal_lumen_note": "the canal lumen is labels 30, 31, 32 plus the lesion voxels "
                                              "inside the canal (its epidural extension)"},
    }


def _truth_readme(result: PhantomResult) -> str:
    rows = "\n".join(f"| {r.value} | `{r.name}` | {r.description} |" for r in label_table())
    cfg = result.config
    return f"""# Ground truth of the synthetic spine CT

Everything here is computed from the same implicit model that made the CT, by `planner.phantom`.

## `{LABELS_FILE}`

A label map (uint8) on exactly the grid of `../{SERIES_DIR}/`: {cfg.matrix} x {cfg.matrix} x {cfg.n_slices}
voxels of {cfg.pixel_mm:g} x {cfg.pixel_mm:g} x {cfg.slice_mm:g} mm; origin, spacing and direction are the
DICOM LPS geometry (read it with SimpleITK or 3D Slicer; NIfTI stores it as RAS internally, readers convert).

| value | name | what it is |
|---|---|---|
{rows}

The spinal canal lumen (everything inside the bony canal) is labels 30 + 31 + 32, plus the lesion voxels
that lie inside the canal (the tumour's epidural extension through the broken posterior wall).
Each label is one value per voxel: the lesion overrides bone and canal; bone overrides disc.

## `labels.json`

Value -> name and description, as in the table.

## `landmarks.json` (LPS mm)

- `vertebrae.<L1|L2|L3>`: `body_centre_lps`, `canal_centre_lps` (both at mid-height of the body),
  body size, and per pedicle (`left` = patient's left, +x) a reference transpedicular trajectory:
  `entry_lps` where the pedicle axis leaves the bone posteriorly, `target_lps` on the same axis in the
  anterior third of the body, `isthmus_lps` at mid-pedicle; the path stays inside the pedicle.
- `mid_sagittal_plane`: point and normal.
- `lesion`: model centre and semi-axes, voxel extent (min/max LPS of lesion voxel centres), volume.
- `probes`: one point per tissue, its label and `expected_mean_hu`, the mean of the noise-free
  (blurred) image over the 3 x 3 x 3 voxels around it; the stored CT adds white noise of
  `noise_sd_hu`, so a measured mean differs by about noise_sd / sqrt(27).

Regenerate with `{REGENERATE}` from the project root.
"""


def _sample_readme(result: PhantomResult, n_files: int) -> str:
    cfg = result.config
    return f"""# Bundled sample case: synthetic lumbar spine CT

**Synthetic data, not a patient.** A computed CT of three lumbar vertebrae (L1, L2, L3, with parts of T12
and L4 and the discs between them) and an osteolytic lesion in the left half of the L2 body that breaks
through the posterior cortical wall into the epidural space. Made for demonstrating and testing the
planner: every structure has a known shape (see `ground_truth/`).

- `{SERIES_DIR}/`: {n_files} DICOM files, CT Image Storage, RLE Lossless, patient "PHANTOM^SYNTHETIC SPINE"
  (ID SYNTH-0001), head-first prone (HFP), ImageOrientationPatient -1\\0\\0\\0\\-1\\0,
  {cfg.matrix} x {cfg.matrix} pixels of {cfg.pixel_mm:g} mm, {cfg.n_slices} slices of {cfg.slice_mm:g} mm;
  CT numbers in HU with RescaleIntercept -1024; default window bone (400/1800), second window soft
  tissue (40/400).
- `ground_truth/`: label map on the same grid, label table, landmarks (pedicle trajectories, probe
  points with expected HU) and a README describing them.

How it is made: vertebrae, discs, canal, cord, muscles, fat and skin are implicit shapes (signed
distances) on the voxel grid with textbook-typical adult sizes and CT numbers (estimates from the
project's domain notes, listed in `planner/phantom/spine.py` and `tissues.py`), a 1 mm
cortical shell (1.8 mm at the endplates), a gentle lordosis, a Gaussian blur of {cfg.blur_sigma_mm:g} mm
and seeded Gaussian noise of {cfg.noise_hu:g} HU. Seed {cfg.seed}; UIDs derive from the seed and the dates
are fixed, so regenerating gives byte-identical files:

    {REGENERATE}

License: CC0 1.0 (public domain dedication); the generator code is under the project's Apache-2.0.
"""


def write_sample_case(result: PhantomResult, out_dir: Path) -> dict[str, list[Path]]:
    """Write the whole sample case under ``out_dir``; returns the written files by kind."""
    out_dir = Path(out_dir)
    series_dir = out_dir / SERIES_DIR
    truth_dir = out_dir / TRUTH_DIR
    truth_dir.mkdir(parents=True, exist_ok=True)
    if series_dir.is_dir():
        for old in series_dir.glob("CT*.dcm"):
            old.unlink()
    dicom = write_ct_series(result.volume, series_dir, result.config.seed)
    write_label_image(result, truth_dir / LABELS_FILE)
    _write_json(truth_dir / "labels.json", _labels_json())
    _write_json(truth_dir / "landmarks.json", build_landmarks(result))
    (truth_dir / "README.md").write_text(_truth_readme(result), encoding="utf-8")
    (out_dir / "README.md").write_text(_sample_readme(result, len(dicom)), encoding="utf-8")
    truth = [truth_dir / n for n in (LABELS_FILE, "labels.json", "landmarks.json", "README.md")]
    return {"dicom": dicom, "ground_truth": truth, "readme": [out_dir / "README.md"]}
