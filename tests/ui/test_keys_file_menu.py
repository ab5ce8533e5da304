"""Issue 19: one File menu holds the scan's and the plan's entries; the title bar names the plan file
and shows its modified state (Qt's "[*]"), following edits, saves and undo back to the saved state."""

from __future__ import annotations

import pytest

from planner.plan import commands
from planner.plan.items import Target
from planner.ui.plan_files import window_title
from tests.ui.helpers import marker_volume
from tests.ui.test_keys_focus import _make_window

pytestmark = pytest.mark.gui


def _texts(menu) -> list[str]:
    return [a.text().replace("&", "") for a in menu.actions() if not a.isSeparator()]


def test_window_title_parts():
    assert window_title("App", "CT 3 mm", None, has_case=False) == "App"
    assert window_title("App", "CT 3 mm", None, has_case=True) == "App – CT 3 mm – unsaved plan[*]"
    assert window_title("App", "CT 3 mm", "/tmp/x/case 7.json", has_case=True) == "App – CT 3 mm – case 7.json[*]"


def test_one_file_menu_with_the_plan_entries_after_the_scan(qtbot):
    w = _make_window(qtbot, volume=False)
    try:
        titles = [m.title().replace("&", "") for m in (a.menu() for a in w.menuBar().actions()) if m is not None]
        assert titles.count("File") == 1 and "Plan file" not in titles
        entries = _texts(w.file_actions.menu)
        for name in ("Open DICOM folder…", "Open sample case", "New plan", "Open plan…", "Save plan",
                     "Save plan as…", "Export", "PACS", "Quit"):
            assert name in entries, name
        assert entries.index("Open sample case") < entries.index("New plan") < entries.index("Save plan") \
            < entries.index("Export") < entries.index("PACS") < entries.index("Quit")
        assert w.plan_files.menu is w.file_actions.menu
    finally:
        w.close()


def test_title_follows_edit_save_and_undo(qtbot, tmp_path):
    w = _make_window(qtbot, volume=False)
    try:
        assert w.windowTitle() == "Spine Ablation Planner"
        w.set_volume(marker_volume()[0])
        assert w.windowTitle() == "Spine Ablation Planner – marker phantom – unsaved plan[*]"
        assert not w.isWindowModified()
        w.session.stack.push(commands.add_item(Target((0.0, 0.0, 0.0), name="T1")))
        assert w.isWindowModified()
        assert w.windowHandle().title().endswith("unsaved plan*")  # what the title bar shows
        assert w.plan_files.save_to(tmp_path / "case 7.json")
        assert w.windowTitle().endswith("case 7.json[*]") and not w.isWindowModified()
        assert w.windowHandle().title().endswith("case 7.json")
        w.session.stack.push(commands.add_item(Target((5.0, 0.0, 0.0), name="T2")))
        assert w.isWindowModified() and w.windowHandle().title().endswith("case 7.json*")
        w.session.stack.undo()  # back to what was saved
        assert not w.isWindowModified()
        w.session.stack.undo()  # before the save: modified again
        assert w.isWindowModified()
    finally:
        w.close()
