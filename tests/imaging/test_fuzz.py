"""Fuzz: bytes of valid files mutated at random must load or give a LoadError, nothing else."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.core.errors import LoadError
from planner.imaging import load_path, write_series
from tests.imaging.conftest import make_volume


# --- fuzz: mutate bytes of a valid small series ---

def _valid_files() -> list[bytes]:
    with tempfile.TemporaryDirectory() as d:
        paths = write_series(make_volume(shape_kji=(3, 8, 10), marker_ijk=(2, 2, 1)), Path(d))
        return [p.read_bytes() for p in paths]


VALID = _valid_files()


@pytest.mark.filterwarnings("ignore::UserWarning")  # pydicom's own notes on the corrupt values
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    which=st.integers(0, len(VALID) - 1),
    edits=st.lists(st.tuples(st.integers(0, len(VALID[0]) - 1), st.integers(0, 255)), min_size=1, max_size=12),
    cut=st.one_of(st.none(), st.integers(0, len(VALID[0]))),
)
def test_fuzzed_bytes_load_or_refuse(which, edits, cut):
    with tempfile.TemporaryDirectory() as d:
        for n, data in enumerate(VALID):
            raw = bytearray(data)
            if n == which:
                for pos, value in edits:
                    if pos < len(raw):
                        raw[pos] = value
                if cut is not None:
                    raw = raw[:cut]
            Path(d, f"f{n}.dcm").write_bytes(bytes(raw))
        try:
            volume = load_path(d)
        except LoadError as err:
            assert str(err) and "Traceback" not in str(err)
        else:
            assert volume.hu.ndim == 3 and volume.hu.dtype == np.int16
            _agrees_with_the_headers(volume, Path(d))


def _readable(path: Path):
    """The dataset as pydicom alone reads it, or None when pydicom cannot give its geometry and HU."""
    import warnings

    import pydicom

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ds = pydicom.dcmread(path)
            geometry = ([float(v) for v in ds.ImagePositionPatient], [float(v) for v in ds.ImageOrientationPatient],
                        [float(v) for v in ds.PixelSpacing])
            stored = ds.pixel_array
        slope, intercept = float(getattr(ds, "RescaleSlope", 1)), float(getattr(ds, "RescaleIntercept", 0))
    except Exception:  # noqa: BLE001 - a corrupt file pydicom cannot read has no reference here
        return None
    if len(geometry[0]) != 3 or len(geometry[1]) != 6 or len(geometry[2]) != 2 or stored.ndim != 2:
        return None
    return geometry, stored * slope + intercept


def _agrees_with_the_headers(volume, folder: Path) -> None:
    """What loaded must be what the files' own headers say (PS3.3 C.7.6.2, C.11.1.1.2), computed here
    with pydicom alone: slices sorted by Image Position projected on the normal, HU = stored x slope +
    intercept, voxel size from Pixel Spacing and the position steps. Checked when pydicom reads every
    file and the loader reports nothing (no resampling, duplicates or dropped files)."""
    files = [_readable(p) for p in sorted(folder.glob("*.dcm"))]
    if any(f is None for f in files) or len(files) != volume.hu.shape[0] or volume.warnings:
        return
    orient = np.array(files[0][0][1])
    if np.abs(np.array([f[0][1] for f in files]) - orient).max() > 1e-6:
        return
    normal = np.cross(orient[:3], orient[3:])
    files.sort(key=lambda f: float(np.dot(normal, f[0][0])))
    along = [float(np.dot(normal, f[0][0])) for f in files]
    row_mm, col_mm = files[0][0][2]
    assert volume.spacing_mm[0] == pytest.approx(col_mm, rel=1e-6)
    assert volume.spacing_mm[1] == pytest.approx(row_mm, rel=1e-6)
    assert volume.spacing_mm[2] == pytest.approx(float(np.median(np.diff(along))), abs=1e-3)
    np.testing.assert_allclose(volume.origin_lps, files[0][0][0], atol=1e-3)
    hu = np.stack([f[1] for f in files])
    np.testing.assert_array_equal(volume.hu, np.clip(np.rint(hu), -32768, 32767).astype(np.int16))


def test_copy_tree_kept_intact(tmp_path):
    """Loading never modifies the user's files."""
    paths = write_series(make_volume(), tmp_path / "s")
    before = {p: p.read_bytes() for p in paths}
    shutil.copytree(tmp_path / "s", tmp_path / "copy")
    load_path(tmp_path / "s")
    assert all(p.read_bytes() == b for p, b in before.items())


def test_the_header_check_is_not_vacuous(tmp_path):
    """The comparison used by the fuzz test runs on an intact series and catches a wrong volume."""
    for n, data in enumerate(VALID):
        Path(tmp_path, f"f{n}.dcm").write_bytes(data)
    volume = load_path(tmp_path)
    _agrees_with_the_headers(volume, tmp_path)
    wrong = volume.hu.copy()
    wrong[0, 0, 0] += 1
    from dataclasses import replace

    with pytest.raises(AssertionError):
        _agrees_with_the_headers(replace(volume, hu=wrong), tmp_path)
