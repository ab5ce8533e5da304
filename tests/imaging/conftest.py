"""Shared fixtures for the DICOM import tests: synthetic volumes with a marker at a known voxel."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pydicom
import pytest

from planner.core.volume import ImageVolume
from planner.imaging import write_series

MARKER_HU = 2000
BACKGROUND_HU = -1000


def rotation(axis: str, degrees: float) -> np.ndarray:
    """3x3 rotation about x, y or z."""
    a = math.radians(degrees)
    c, s = math.cos(a), math.sin(a)
    return {
        "x": np.array([[1, 0, 0], [0, c, -s], [0, s, c]]),
        "y": np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]]),
        "z": np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]]),
    }[axis]


def make_volume(shape_kji=(8, 20, 24), spacing=(0.8, 0.9, 2.5), origin=(-10.0, 20.0, 35.0),
                direction=None, marker_ijk=(7, 5, 3), ramp: bool = True) -> ImageVolume:
    """Volume of background HU (with a gentle ramp along k so slices differ) and one bright voxel."""
    hu = np.full(shape_kji, BACKGROUND_HU, dtype=np.int16)
    if ramp:
        hu += (np.arange(shape_kji[0], dtype=np.int16) * 10)[:, None, None]
        hu[:, 0, 0] = np.arange(shape_kji[0]) * 37  # a unique value per slice, for duplicate tests
    if marker_ijk is not None:
        i, j, k = marker_ijk
        hu[k, j, i] = MARKER_HU
    return ImageVolume(hu, spacing, origin, np.eye(3) if direction is None else direction)


def marker_lps(volume: ImageVolume) -> np.ndarray:
    """LPS position of the brightest voxel of a volume."""
    k, j, i = np.unravel_index(int(np.argmax(volume.hu)), volume.hu.shape)
    return volume.to_lps((i, j, k))


def edit_files(paths, edit) -> None:
    """Rewrite DICOM files through ``edit(ds, index)``."""
    for n, p in enumerate(paths):
        ds = pydicom.dcmread(p)
        edit(ds, n)
        ds.save_as(p)


@pytest.fixture
def volume() -> ImageVolume:
    return make_volume()


@pytest.fixture
def series_dir(tmp_path, volume) -> Path:
    folder = tmp_path / "series"
    write_series(volume, folder)
    return folder

