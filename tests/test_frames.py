"""Array order (k, j, i) <-> point order (i, j, k): the helpers in planner.core.frames, checked on a
volume whose every voxel holds its own indices (an independent reference: the value says where it is)."""

import numpy as np
from scipy import ndimage

from planner.core.frames import (
    array_shape_to_ijk, ijk_to_kji, kji_to_ijk, map_coordinates_kji, nearest_voxel_values, spacing_kji,
)

NK, NJ, NI = 4, 5, 6
K, J, I = np.meshgrid(np.arange(NK), np.arange(NJ), np.arange(NI), indexing="ij")
CODE = 100 * I + 10 * J + K  # voxel [k, j, i] holds the number "ijk"


def test_orders_swap_and_back():
    pts = np.array([[1, 2, 3], [5, 4, 0]])
    assert ijk_to_kji(pts).tolist() == [[3, 2, 1], [0, 4, 5]]
    assert np.array_equal(kji_to_ijk(ijk_to_kji(pts)), pts)
    assert tuple(spacing_kji((0.7, 0.8, 3.0))) == (3.0, 0.8, 0.7)
    assert array_shape_to_ijk(CODE.shape) == (NI, NJ, NK)


def test_argwhere_gives_kji_and_kji_to_ijk_gives_points():
    kji = np.argwhere(CODE == 100 * 5 + 10 * 4 + 3)
    assert kji_to_ijk(kji).tolist() == [[5, 4, 3]]


def test_map_coordinates_and_nearest_voxel_read_the_right_voxel():
    pts = np.array([[5.0, 4.0, 3.0], [0.2, 1.4, 2.0], [6.6, 0.0, 0.0]])
    sampled = ndimage.map_coordinates(CODE, map_coordinates_kji(pts[:2]), order=0)
    assert sampled.tolist() == [543, 12]
    assert nearest_voxel_values(CODE, pts, outside=-1).tolist() == [543, 12, -1]  # i = 6.6 rounds off the grid


def test_array_order_is_converted_only_in_frames_py():
    """Issue 14: one place converts (k, j, i) <-> (i, j, k). A reversal elsewhere must be something else
    (an image flip, a reversed profile), listed here with its reason."""
    import re
    from pathlib import Path

    not_conversions = {
        ("geometry/mpr.py", "two_d = two_d[:, ::-1]"),  # mirrors the resliced image (display orientation)
        ("anatomy/levels_body.py", "np.argmax(body[::-1], axis=0)"),  # the last true row, from the top
        ("thermal/zone_measure.py", "axis_vals[:hot[0] + 1][::-1]"),  # a profile walked outward
        ("anatomy/levels_grid.py", "np.argmax(part[:, ::-1], axis=1)"),  # the last true column of each row
        ("render/tiled.py", "self.image = out[::-1].copy()"),  # VTK's bottom-up rows to an image's top-down
        ("render/scene3d.py", "frame_rgb_bottom_up(render_window)[::-1].copy()"),  # the same, for a capture
        ("ui/label_layout.py", "columns[::-1]"),  # the label's edge columns, the far one first
    }
    root = Path(__file__).resolve().parents[1] / "planner"
    found = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        if rel == "core/frames.py":
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.search(r"\[(:, |\.\.\., )?::-1\]", line) and not any(
                    rel == f and snippet in line for f, snippet in not_conversions):
                found.append(f"{rel}: {line.strip()}")
    assert not found, "convert with planner.core.frames instead:\n" + "\n".join(found)
