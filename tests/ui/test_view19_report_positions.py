"""Issue 19 (view19): the PDF report's positions carry their frame and follow the display preference
passed in at export time (a plain parameter; the window's snapshot carries the View menu's choice).

The expected RAS text is built here from the definition alone (RAS = (-x, -y, z); the letter names
the direction the point lies in: R for x_lps < 0, A for y_lps < 0, I for z_lps < 0)."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from planner.report.content import build_report, lps_ras_text
from planner.report.pdf import write_report_pdf
from tests.export.conftest import demo_plan_with_level


@pytest.fixture(scope="module")
def sample_session(sample_volume):
    """The sample with its demo plan, evaluated without the canal or corridors (positions need neither)."""
    from planner.session.session import PlanningSession

    session = PlanningSession()
    session.auto_evaluate = False
    session.set_volume(sample_volume)  # loaded once per session (tests/conftest.py)
    session.open_plan(demo_plan_with_level(session.plan.series))
    session.evaluate(corridors=False)
    return session


def _letters(p) -> str:
    x, y, z = p
    parts = [("R" if x < 0 else "L", abs(x)), ("A" if y < 0 else "P", abs(y)), ("I" if z < 0 else "S", abs(z))]
    return "RAS: " + ", ".join(f"{letter} {value:.1f} mm" for letter, value in parts)


def test_ras_report_positions_read_with_letters(sample_session):
    content = build_report(sample_session, position_frame="RAS")
    needle = sample_session.plan.needles[0]
    rows = dict(content.levels[0].needles[0].rows)
    assert rows["Entry"] == _letters(needle.entry_lps)
    assert rows["Tip"] == _letters(needle.tip_lps)
    assert "-" not in rows["Tip"]
    tc = sample_session.plan.thermocouples[0]
    assert dict(content.thermocouples[0].rows)["Tip"] == _letters(tc.tip_lps)
    assert "3D Slicer" in dict(content.summary)["Positions"]


def test_lps_report_positions_keep_their_frame_labels(sample_session):
    content = build_report(sample_session)
    needle = sample_session.plan.needles[0]
    tip = dict(content.levels[0].needles[0].rows)["Tip"]
    assert tip == lps_ras_text(needle.tip_lps) and tip.startswith("LPS (")
    assert dict(content.summary)["Positions"].startswith("DICOM patient coordinates (LPS")


def test_the_frame_a_snapshot_carries_is_used_and_a_bad_one_refused(sample_session):
    from planner.session.snapshot import SessionSnapshot

    snapshot = SessionSnapshot(sample_session)
    snapshot.position_frame = "RAS"
    tip = dict(build_report(snapshot).levels[0].needles[0].rows)["Tip"]
    assert tip == _letters(sample_session.plan.needles[0].tip_lps)
    with pytest.raises(ValueError, match="frame must be one of LPS, RAS"):
        build_report(sample_session, position_frame="XYZ")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_the_pdf_prints_the_ras_letters(sample_session, tmp_path):
    path = write_report_pdf(build_report(sample_session, position_frame="RAS"), tmp_path / "r.pdf", [])
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    tip = _letters(sample_session.plan.needles[0].tip_lps)
    assert tip.split(": ")[1].split(",")[0] in text and "RAS:" in text


def test_window_export_snapshot_follows_the_view_preference(qtbot):
    from tests.ui.test_keys_focus import _make_window

    w = _make_window(qtbot)
    try:
        w.view_prefs.set_position_frame("RAS")
        assert w.plan_files.exports._snapshot().position_frame == "RAS"
        w.view_prefs.set_position_frame("LPS")
        assert w.plan_files.exports._snapshot().position_frame == "LPS"
    finally:
        w.view_prefs.set_position_frame("LPS")
        w.close()
