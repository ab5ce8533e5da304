"""Issue 19 on the real scans (the synthetic sample is not the truth): keys after typing a number,
RAS letters in the corner texts, and the title bar after saving a plan (the T11-T12 series has empty
UIDs)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from planner.plan import commands
from planner.plan.items import Target
from tests.ui.test_keys_focus import _active_tool, _focus, _make_window, _press

pytestmark = pytest.mark.gui


@pytest.fixture(scope="module", params=["lumbar", "t11_t12"])
def real_volume(request):
    return request.getfixturevalue(f"{request.param}_volume")  # loaded once per session, read-only (tests/conftest.py)


def test_keys_ras_letters_and_title_on_a_real_scan(qtbot, real_volume, tmp_path):
    w = _make_window(qtbot, volume=False)
    try:
        w.set_volume(real_volume)
        w.view3d.cancel_surface()  # the 3D bone surface plays no part (seconds in a thread, waited for on close)
        _focus(qtbot, w.slab_spin)
        w.slab_spin.selectAll()
        qtbot.keyClicks(w.slab_spin, "6")
        _press(qtbot, Qt.Key_N)
        assert _active_tool(w) == "place_needle" and w.slab_spin.value() == 6.0
        assert QApplication.focusWidget() in w.all_2d_views()

        w.view_prefs.set_position_frame("RAS")
        x, y, z = (float(v) for v in w.state.cursor_lps)
        text = w.cursor_label.text()
        assert ("R" if round(x, 1) <= 0 else "L") + f" {abs(x):.1f} mm" in text  # x_lps < 0 is the right
        assert ("A" if round(y, 1) <= 0 else "P") + f" {abs(y):.1f} mm" in text
        assert ("S" if round(z, 1) >= 0 else "I") + f" {abs(z):.1f} mm" in text
        for view in w.views.values():
            assert "-" not in view.source.position_text(view.current_slice())

        w.session.stack.push(commands.add_item(Target(tuple(w.state.cursor_lps), name="T1")))
        assert w.isWindowModified()
        assert w.plan_files.save_to(tmp_path / "real.json")
        assert not w.isWindowModified() and w.windowHandle().title().endswith("real.json")
        assert np.isfinite(w.state.cursor_lps).all()
    finally:
        w.view_prefs.set_position_frame("LPS")
        w.close()
