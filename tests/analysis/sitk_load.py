"""Load a DICOM series with SimpleITK into an ImageVolume (tests only; the project's loader lives
in planner/imaging). SimpleITK's origin / spacing / direction are already LPS (ITK convention)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import SimpleITK as sitk

from planner.core.volume import ImageVolume


def load_series(folder) -> ImageVolume:
    reader = sitk.ImageSeriesReader()
    files = reader.GetGDCMSeriesFileNames(str(Path(folder)))
    reader.SetFileNames(files)
    img = reader.Execute()
    hu = sitk.GetArrayFromImage(img).astype(np.int16)
    direction = np.array(img.GetDirection(), dtype=float).reshape(3, 3)
    return ImageVolume(hu=hu, spacing_mm=img.GetSpacing(), origin_lps=img.GetOrigin(), direction=direction)


def load_label_image(path) -> tuple[np.ndarray, np.ndarray]:
    """Label array [k, j, i] and its 4x4 ijk->LPS affine (NIfTI/NRRD/MHA via SimpleITK)."""
    img = sitk.ReadImage(str(path))
    arr = sitk.GetArrayFromImage(img)
    from planner.core.frames import affine_ijk_to_lps

    m = affine_ijk_to_lps(img.GetOrigin(), img.GetSpacing(), np.array(img.GetDirection()).reshape(3, 3))
    return arr, m
