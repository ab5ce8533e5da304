"""NIfTI and NRRD volumes through SimpleITK.

NIfTI stores RAS on disk; SimpleITK converts to ITK's LPS physical space when reading, and NRRD
carries its space explicitly, so origin and direction from SimpleITK are already LPS.

Refused before the voxels are read: a voxel size outside the accepted range (also when written as NaN
or 0 in the NIfTI header, which SimpleITK would turn into 1 mm), and a NIfTI file holding less voxel
data than its header needs (a truncated ``.nii.gz`` otherwise loads with a zero-filled end).
"""

from __future__ import annotations

import gzip
import os
import struct
import zlib

import numpy as np

from planner.core.lazy import lazy_module
from planner.core.errors import LoadError
from planner.core.volume import ImageVolume, SeriesInfo
from planner.imaging._common import format_bytes, max_volume_bytes, spacing_problem

sitk = lazy_module("SimpleITK")  # imported on first use (start-up time)

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


def _open_maybe_gz(path: str):
    return gzip.open(path, "rb") if path.lower().endswith(".gz") else open(path, "rb")


def _nifti_pixdim(path: str) -> tuple[float, float, float] | None:
    """Voxel size pixdim[1..3] as written in a NIfTI-1 (348-byte) or NIfTI-2 (540-byte) header, or
    None when the file is not NIfTI. SimpleITK replaces a NaN or zero pixdim by 1 mm; this reads the
    header itself so such a file is refused instead of silently rescaled."""
    try:
        with _open_maybe_gz(path) as fp:
            head = fp.read(540)
    except (OSError, EOFError):
        return None
    for endian in ("<", ">"):
        if len(head) >= 348 and struct.unpack(endian + "i", head[:4])[0] == 348:
            return struct.unpack(endian + "3f", head[80:92])
        if len(head) >= 540 and struct.unpack(endian + "i", head[:4])[0] == 540:
            return struct.unpack(endian + "3d", head[112:136])
    return None


def _nifti_data_bytes(path: str) -> int | None:
    """Bytes after the header's vox_offset actually present in the (decompressed) file, None when the
    file is not NIfTI-1/2. A truncated gzip stream counts what decompresses before the break."""
    try:
        with _open_maybe_gz(path) as fp:
            head = fp.read(540)
            offset = None
            for endian in ("<", ">"):
                if len(head) >= 348 and struct.unpack(endian + "i", head[:4])[0] == 348:
                    offset = int(struct.unpack(endian + "f", head[108:112])[0])
                elif len(head) >= 540 and struct.unpack(endian + "i", head[:4])[0] == 540:
                    offset = int(struct.unpack(endian + "q", head[168:176])[0])
            if offset is None:
                return None
            total = len(head)
            try:
                while chunk := fp.read(1 << 22):
                    total += len(chunk)
            except (EOFError, zlib.error, OSError):
                pass
    except (OSError, EOFError):
        return None
    return max(0, total - offset)


def _check_nifti(path: str, reader: sitk.ImageFileReader, n_voxels: int) -> None:
    name = os.path.basename(path)
    pixdim = _nifti_pixdim(path)
    if pixdim is not None:
        problem = spacing_problem([float(v) for v in pixdim], "The voxel size (NIfTI pixdim[1..3])")
        if problem:
            raise LoadError(f"'{name}': {problem}.", (path,))
    present = _nifti_data_bytes(path)
    if present is not None:
        probe = sitk.Image([1] * reader.GetDimension(), reader.GetPixelID(), reader.GetNumberOfComponents())
        needed = n_voxels * sitk.GetArrayViewFromImage(probe).itemsize * reader.GetNumberOfComponents()
        if present < needed:
            raise LoadError(f"'{name}' is truncated: it holds {format_bytes(present)} of voxel data where its "
                            f"header needs {format_bytes(needed)}.", (path,))


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
    problem = spacing_problem([float(v) for v in reader.GetSpacing()[:3]], "The voxel size")
    if problem:
        raise LoadError(f"'{os.path.basename(path)}': {problem}.", (path,))
    if ".nii" in path.lower():
        _check_nifti(path, reader, int(np.prod(size)))
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
