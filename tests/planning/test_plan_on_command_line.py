"""``spine-planner SERIES --plan P.json [--screenshot out.png]`` opens the plan on the series it names.

Issue 17 (a plan written by ``propose --write`` on the T11-T12 scan shown empty): a plan whose series
UIDs are empty (that scan has none; a plan made by a script has none) did not match the open case, so
the window asked for the plan's DICOM folder with a modal dialog; under ``--screenshot`` nobody answers
it, the 60 s fallback took the picture, and it showed the series without the plan. The command line
names both the series and the plan, so the plan opens on the loaded case without asking; the File menu
still looks for (or asks for) the plan's own series.
"""

from __future__ import annotations

import pytest

from planner.core.resources import sample_series_dir
from planner.headless.demo import demo_plan
from planner.plan.io import write_plan

pytestmark = pytest.mark.gui


class RecordingPrompts:
    """Answers nothing; records every dialog the plan actions would have shown."""

    def __init__(self):
        self.shown: list[str] = []

    def folder(self, title):
        self.shown.append(f"folder: {title}")
        return ""

    def ask(self, title, text):
        self.shown.append(f"ask: {title}")
        return False

    def warn(self, title, text):
        self.shown.append(f"warn: {title}: {text}")

    def save_discard_cancel(self, title, text):
        self.shown.append(f"save/discard: {title}")
        return "cancel"


@pytest.fixture
def window(qtbot):
    from planner.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.loader.quiet = True
    session = w.session
    if getattr(w, "corridors", None) is not None and hasattr(session, "corridors_needed"):
        session.corridors_needed.disconnect(w.corridors.run)  # checks in line: no worker outlives the test
        session.defer_corridors = False
    w.plan_files.prompts = RecordingPrompts()
    with qtbot.waitSignal(w.loader.canal_ready, timeout=60000):
        w.open_path(sample_series_dir())
    yield w
    w.close()


def test_command_line_plan_without_uids_opens_on_the_loaded_series(window, tmp_path):
    from planner.ui.app import _open_plan

    path = write_plan(demo_plan(), tmp_path / "no_uids.json")  # series UIDs all empty
    assert not any(vars(demo_plan().series).values())  # the premise
    _open_plan(window, str(path))
    assert window.plan_files.prompts.shown == []  # no folder dialog for a screenshot run to hang on
    assert len(window.session.plan.needles) == 2 and len(window.session.plan.targets) == 1
    assert window.selection.item_id == window.session.plan.needles[0].id  # as --plan does


def test_file_menu_still_looks_for_the_plans_own_series(window, tmp_path):
    path = write_plan(demo_plan(), tmp_path / "no_uids.json")
    window.plan_files.open_plan_file(path)
    assert any(s.startswith("folder:") for s in window.plan_files.prompts.shown)
