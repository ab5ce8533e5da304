"""The series browser dialog and the background load worker (pytest-qt, offscreen)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtWidgets import QDialogButtonBox  # noqa: E402

from planner.core.volume import ImageVolume  # noqa: E402
from planner.imaging import discover, write_series  # noqa: E402
from planner.ui.load_worker import LoadWorker  # noqa: E402
from planner.ui.series_browser import COLUMNS, SeriesBrowserDialog  # noqa: E402
from tests.imaging.conftest import make_volume  # noqa: E402


@pytest.fixture
def two_series(tmp_path):
    write_series(make_volume(), tmp_path, series_description="Abdomen 2.5 mm", series_number=2)
    write_series(make_volume(), tmp_path, modality="MR", series_description="T1 sag",
                 series_number=5, file_name="mr_{k}.dcm")
    return tmp_path


def test_series_browser_lists_and_selects(qtbot, two_series):
    cands = discover(two_series)
    dialog = SeriesBrowserDialog(cands)
    qtbot.addWidget(dialog)
    assert dialog.table.rowCount() == 2 and dialog.table.columnCount() == len(COLUMNS)
    texts = [[dialog.table.item(r, c).text() for c in range(len(COLUMNS))] for r in range(2)]
    ct_row = next(r for r, t in enumerate(texts) if t[3] == "CT")
    mr_row = 1 - ct_row
    assert "Abdomen 2.5 mm" in texts[ct_row][2] and texts[ct_row][4] == "8"
    assert texts[ct_row][5] == "2.50 mm" and texts[ct_row][6] == "24 x 20"
    assert texts[ct_row][7] == "Explicit VR Little Endian" and texts[ct_row][8] == "yes"
    assert texts[mr_row][8].startswith("no:") and "CT" in texts[mr_row][8]
    ok = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert dialog.selected_candidate() is cands[ct_row] and ok.isEnabled()
    dialog.table.selectRow(mr_row)  # unusable series: OK disabled, nothing selected
    assert not ok.isEnabled() and dialog.selected_candidate() is None
    dialog.table.selectRow(ct_row)
    with qtbot.waitSignal(dialog.accepted, timeout=2000):
        ok.click()
    assert dialog.selected_candidate() is cands[ct_row]


def test_worker_discovers_then_loads(qtbot, two_series):
    worker = LoadWorker.for_discover(two_series)
    with qtbot.waitSignal(worker.finished, timeout=10000) as blocker:
        worker.start()
    cands = blocker.args[0]
    assert worker.wait(5000)
    ct = next(c for c in cands if c.supported)
    loader = LoadWorker.for_series(ct)
    progress = []
    loader.progress.connect(lambda d, t: progress.append((d, t)))
    with qtbot.waitSignal(loader.finished, timeout=10000) as blocker:
        loader.start()
    volume = blocker.args[0]
    assert loader.wait(5000)
    assert isinstance(volume, ImageVolume) and np.array_equal(volume.hu, make_volume().hu)
    qtbot.waitUntil(lambda: bool(progress) and progress[-1] == (8, 8), timeout=2000)


def test_worker_reports_failure_as_text(qtbot, tmp_path):
    worker = LoadWorker.for_path(tmp_path / "missing")
    with qtbot.waitSignal(worker.failed, timeout=5000) as blocker:
        worker.start()
    assert "does not exist" in blocker.args[0]
    assert worker.wait(5000)


def test_worker_cancel(qtbot, tmp_path):
    write_series(make_volume(shape_kji=(30, 20, 24)), tmp_path)
    worker = LoadWorker.for_path(tmp_path)
    finished = []
    worker.finished.connect(finished.append)
    worker.cancel()  # requested before the first file is read: deterministic
    with qtbot.waitSignal(worker.cancelled, timeout=5000):
        worker.start()
    assert worker.wait(5000) and not finished
