"""NIfTI and NRRD volumes through SimpleITK.

NIfTI stores RAS on disk; SimpleITK converts to ITK's LPS physical space when reading, and NRRD
carries its space explicitly, so origin and direction from SimpleITK are already LPS.
"""

from __future__ import annotations

import os

import numpy as np
import SimpleITK as sitk

from planner.core.errors import LoadError
from planner.core.volume import ImageVolume, SeriesInfo
from planner.imaging._common import format_bytes, max_volume_bytes

VOLUME_SUFFIXES = (".nii", ".nii.gz", ".nrrd", ".nhdr")
_I16 = np.iinfo(np.int16)


def _read_info(path: str) -> sitk.ImageFileReader:
    reader = sitk.ImageFileReader()
    reader.SetFileName(path)
    try:
        reader.ReadImageInformation()
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()[-1][:200] if str(exc).strip() else ""
        raise LoadError(f"'{os.path.basename(path)}' cannot be read as a NIfTI/NRRD volume ({first}).", (path,)) from None
    return reader


def _to_int16(arr: np.ndarray) -> tuple[np.ndarray, list[str]]:
    warnings = []
    if arr.dtype == np.int16:
        return arr, warnings
    values = arr.astype(np.float64) if arr.dtype.kind == "f" else arr
    outside = int(np.count_nonzero((values < _I16.min) | (values > _I16.max)))
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(values)):
            raise LoadError("The volume contains NaN or infinite values; it is not a CT in HU.")
        values = np.rint(values)
    if outside:
        warnings.append(f"{outside} voxel(s) outside the int16 range were clipped.")
    return np.clip(values, _I16.min, _I16.max).astype(np.int16), warnings


def read_volume_file(path: str) -> ImageVolume:
    """Read a 3-D scalar NIfTI (.nii, .nii.gz) or NRRD (.nrrd, .nhdr) file as int16 HU."""
    reader = _read_info(path)
    size = list(reader.GetSize())
    if len(size) == 4 and size[3] == 1:
        size = size[:3]
    if len(size) != 3:
        raise LoadError(f"'{os.path.basename(path)}' is {len(reader.GetSize())}-D; the planner needs a 3-D volume.", (path,))
    if reader.GetNumberOfComponents() != 1:
        raise LoadError(f"'{os.path.basename(path)}' holds {reader.GetNumberOfComponents()} values per voxel (colour or vector); a CT has one.", (path,))
    needed = int(np.prod(size)) * 2
    if needed > max_volume_bytes():
        raise LoadError(f"'{os.path.basename(path)}' is too large ({format_bytes(needed)}) for the memory limit of {format_bytes(max_volume_bytes())}.", (path,))
    try:
        image = reader.Execute()
    except RuntimeError as exc:
        raise LoadError(f"'{os.path.basename(path)}' cannot be read: the file is truncated or corrupt ({str(exc).strip()[-160:]}).", (path,)) from None
    if image.GetDimension() == 4:
        image = image[:, :, :, 0]
    arr, warnings = _to_int16(sitk.GetArrayFromImage(image))
    direction = np.array(image.GetDirection(), dtype=float).reshape(3, 3)
    if not np.allclose(direction.T @ direction, np.eye(3), atol=1e-3):
        raise LoadError(f"'{os.path.basename(path)}' has a skewed voxel grid the planner cannot represent.", (path,))
    warnings.append("NIfTI/NRRD files carry no patient or modality information: the values are assumed to be CT Hounsfield units.")
    return ImageVolume(
        hu=arr, spacing_mm=image.GetSpacing(), origin_lps=image.GetOrigin(), direction=direction,
        info=SeriesInfo(source_path=path, series_description=os.path.basename(path)), warnings=tuple(warnings),
    )
