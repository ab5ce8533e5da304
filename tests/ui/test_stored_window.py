"""A series opens in the window its DICOM files store (Window Center/Width (0028,1050)/(0028,1051)), as
3D Slicer and PACS viewers do; with none stored, in the bone preset (issue 19)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest

from planner.core.volume import ImageVolume, SeriesInfo
from planner.imaging import load_path, write_series
from planner.render.windowing import initial_window, window_presets


def _first_header_window(folder: Path) -> tuple[float, float]:
    """The reference, read with pydicom directly: the first value of each attribute in the first file."""
    ds = pydicom.dcmread(sorted(p for p in folder.iterdir() if p.is_file())[0], stop_before_pixels=True)
    centre, width = ds.WindowCenter, ds.WindowWidth
    first = lambda v: float(v[0]) if isinstance(v, pydicom.multival.MultiValue) else float(v)  # noqa: E731
    return first(centre), first(width)


@pytest.mark.realdata
def test_real_scans_open_in_their_stored_window(lumbar_ct_dir, t11_t12_ct_dir, sample_series):
    for folder in (lumbar_ct_dir, t11_t12_ct_dir, sample_series):
        want = _first_header_window(Path(folder))
        centre, width, source = initial_window(load_path(folder).info)
        assert (centre, width) == want and "stored" in source


def test_no_stored_window_means_the_bone_preset(tmp_path):
    write_series(ImageVolume(np.zeros((3, 8, 8), np.int16), (1, 1, 1), (0, 0, 0)), tmp_path)
    bone = window_presets()[0]
    assert bone.id == "bone" and 300 <= bone.center_hu <= 400 and 1500 <= bone.width_hu <= 2000
    assert initial_window(load_path(tmp_path).info)[:2] == (bone.center_hu, bone.width_hu)
    assert initial_window(SeriesInfo())[:2] == (bone.center_hu, bone.width_hu)


def test_missing_or_implausible_stored_window_is_ignored():
    from pydicom.dataset import Dataset

    from planner.imaging.headers import stored_window

    assert initial_window(SeriesInfo(window_center_hu=40.0, window_width_hu=None))[2].startswith("preset")
    ds = Dataset()
    ds.WindowCenter, ds.WindowWidth = "40", "0.5"  # PS3.3 C.11.2.1.2: Window Width >= 1
    assert stored_window(ds) == (None, None)
    ds.WindowCenter, ds.WindowWidth = ["400", "40"], ["1800", "400"]
    assert stored_window(ds) == (400.0, 1800.0)
    assert stored_window(Dataset()) == (None, None)


@pytest.mark.gui
def test_the_window_applies_it_on_load(qtbot, sample_series):
    from planner.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.loader.quiet = True
    w.show()
    with qtbot.waitSignal(w.loader.loaded, timeout=60000):
        w.open_path(sample_series)
    assert w.state.window == _first_header_window(Path(sample_series))
    w.close()


@pytest.mark.gui
@pytest.mark.realdata
def test_the_status_line_names_the_window_and_the_bone_key(qtbot, lumbar_ct_dir):
    """Issue 19: the lumbar scan opens in the soft-tissue window it stores (as required), and the status
    line says so and which key gives the bone window (the preset file's bone entry)."""
    from planner.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.loader.quiet = True
    w.show()
    with qtbot.waitSignal(w.loader.loaded, timeout=60000):
        w.open_path(lumbar_ct_dir)
    centre, width = _first_header_window(Path(lumbar_ct_dir))
    bone = next(p for p in window_presets() if p.id == "bone")
    message = w.statusBar().currentMessage()
    assert f"Window W {width:.0f} L {centre:.0f} (the series' stored window)" in message, message
    assert f"key {bone.key}: {bone.name} W {bone.width_hu:.0f} L {bone.center_hu:.0f}" in message, message
    w.close()


def test_no_bone_key_hint_when_the_window_is_bone_already():
    from planner.render.windowing import load_message

    bone = window_presets()[0]
    text = load_message(0, bone.center_hu, bone.width_hu, "preset Bone")
    assert text == f"Window W {bone.width_hu:.0f} L {bone.center_hu:.0f} (preset Bone)."
    assert load_message(2, 40.0, 400.0, "x").startswith("Loaded with 2 warning(s): see the Safety panel. ")
