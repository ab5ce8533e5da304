"""Geometry: any orientation, head/feet first, supine/prone, any file order gives correct LPS."""

from __future__ import annotations

import numpy as np
import pytest

from planner.imaging import discover, load_path, load_series, write_series
from tests.imaging.conftest import make_volume, marker_lps, rotation

# direction matrices: columns are the i (row), j (column) and k (slice step) unit vectors in LPS
ORIENTATIONS = {
    "axial_HFS": np.eye(3),
    "axial_FFS": np.column_stack([[-1, 0, 0], [0, 1, 0], [0, 0, -1]]),
    "axial_HFP": np.column_stack([[-1, 0, 0], [0, -1, 0], [0, 0, 1]]),
    "axial_FFP": np.column_stack([[1, 0, 0], [0, -1, 0], [0, 0, -1]]),
    "axial_HFS_slices_descending": np.column_stack([[1, 0, 0], [0, 1, 0], [0, 0, -1]]),
    "sagittal": np.column_stack([[0, 1, 0], [0, 0, -1], [-1, 0, 0]]),
    "coronal": np.column_stack([[1, 0, 0], [0, 0, -1], [0, 1, 0]]),
    "oblique_xz30": rotation("x", 30) @ rotation("z", 20),
    "oblique_left_handed": (rotation("y", -25) @ rotation("x", 40)) @ np.diag([1, 1, -1]),
    "decubitus_left": np.column_stack([[0, 1, 0], [-1, 0, 0], [0, 0, 1]]),
}


@pytest.mark.parametrize("name", sorted(ORIENTATIONS))
def test_marker_lands_at_its_lps_point(tmp_path, name):
    written = make_volume(direction=ORIENTATIONS[name], origin=(-31.5, 12.25, 101.0))
    expected = written.to_lps((7, 5, 3))
    n = written.hu.shape[0]
    # file names and instance numbers deliberately unrelated to the slice order
    rng = np.random.default_rng(len(name))
    names = rng.permutation(n)
    write_series(written, tmp_path, file_name="x{k:02d}.dcm", instance_numbers=list(names[::-1]))
    for k, p in enumerate(sorted(tmp_path.iterdir())):
        p.rename(tmp_path / f"img_{names[k]:03d}.dcm")
    loaded = load_path(tmp_path)
    np.testing.assert_allclose(marker_lps(loaded), expected, atol=1e-3)
    # the loaded grid is right-handed along the slice normal and orthonormal
    d = loaded.direction
    np.testing.assert_allclose(d.T @ d, np.eye(3), atol=1e-6)
    np.testing.assert_allclose(np.cross(d[:, 0], d[:, 1]), d[:, 2], atol=1e-6)
    np.testing.assert_allclose(sorted(loaded.spacing_mm), sorted(written.spacing_mm), atol=1e-4)
    # every voxel, not only the marker: the same LPS point holds the same HU
    ijk = np.array([[0, 0, 0], [23, 19, 7], [10, 3, 5], [2, 17, 1]])
    for p in written.to_lps(ijk):
        assert loaded.hu_at_lps(p) == written.hu_at_lps(p)
    assert loaded.warnings == ()


@pytest.mark.parametrize("name", ["axial_FFP", "oblique_xz30", "sagittal"])
def test_enhanced_multiframe_with_shuffled_frames(tmp_path, name):
    written = make_volume(direction=ORIENTATIONS[name])
    expected = written.to_lps((7, 5, 3))
    n = written.hu.shape[0]
    order = np.random.default_rng(3).permutation(n)

    def shuffle(ds, _k):
        frames = list(ds.PerFrameFunctionalGroupsSequence)
        ds.PerFrameFunctionalGroupsSequence = [frames[i] for i in order]

    path = write_series(written, tmp_path, multiframe=True, edit=shuffle)[0]
    # the pixel frames must follow the shuffled per-frame positions: rewrite the pixel data
    import pydicom

    ds = pydicom.dcmread(path)
    stored = ds.pixel_array
    ds.PixelData = stored[order].tobytes()
    ds.save_as(path)
    loaded = load_path(path)
    np.testing.assert_allclose(marker_lps(loaded), expected, atol=1e-3)
    cands = discover(tmp_path)
    assert len(cands) == 1 and cands[0].n_images == n and cands[0].supported
    assert np.array_equal(load_series(cands[0]).hu, loaded.hu)


def test_sorting_ignores_instance_numbers_and_names(tmp_path):
    written = make_volume()
    write_series(written, tmp_path, instance_numbers=[5, 1, 7, 3, 2, 8, 4, 6])
    loaded = load_path(tmp_path)
    assert np.array_equal(loaded.hu, written.hu)
    assert loaded.origin_lps == pytest.approx(written.origin_lps)
