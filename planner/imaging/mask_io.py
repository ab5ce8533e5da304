"""Write a label mask on a volume's grid as NRRD or NIfTI (SimpleITK keeps the LPS geometry; NIfTI
files are written in RAS on disk by ITK's convention, which other tools read back correctly)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from planner.core.lazy import lazy_module
from planner.core.errors import LoadError
from planner.core.volume import ImageVolume

sitk = lazy_module("SimpleITK")  # imported on first use (start-up time)

MASK_SUFFIXES = (".nrrd", ".nii", ".nii.gz", ".nhdr")


def write_mask(mask_kji: np.ndarray, volume: ImageVolume, path) -> Path:
    """Write ``mask_kji`` (bool or small integers, array order [k, j, i]) with ``volume``'s geometry.

    Written to a temporary file in the same folder and renamed, so a failure leaves nothing half
    written. Raises LoadError with a message for the user on a wrong suffix, shape or write failure.
    """
    path = Path(path)
    if not path.name.lower().endswith(MASK_SUFFIXES):
        raise LoadError(f"Save the mask as .nrrd or .nii.gz (got '{path.name}').")
    if mask_kji.shape != volume.hu.shape:
        raise LoadError("The mask does not match the volume's grid.")
    image = sitk.GetImageFromArray(np.ascontiguousarray(mask_kji.astype(np.uint8)))
    image.SetSpacing(tuple(float(s) for s in volume.spacing_mm))
    image.SetOrigin(tuple(float(o) for o in volume.origin_lps))
    image.SetDirection(tuple(float(v) for v in volume.direction.reshape(-1)))
    suffix = ".nii.gz" if path.name.lower().endswith(".nii.gz") else path.suffix
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=folder)
        os.close(fd)
        sitk.WriteImage(image, tmp, True)
        os.replace(tmp, path)
    except (OSError, RuntimeError) as exc:
        if "tmp" in locals() and os.path.exists(tmp):
            os.unlink(tmp)
        raise LoadError(f"Could not write '{path}': {exc}") from None
    return path
