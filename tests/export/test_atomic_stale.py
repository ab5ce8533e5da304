"""Stale staged files of a crashed export are removed by the next export to the same target (issue 19),
and nothing else is: not a fresh staged file (another export running now), not another target's,
not a look-alike name, not the target itself."""

from __future__ import annotations

import os
import time
from pathlib import Path

from planner.export.atomic import PROCESS_START, Staging, process_start_time, remove_stale_staged, staged_write


def _file(path: Path, text: str, mtime: float | None = None) -> Path:
    path.write_text(text)
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def test_process_start_is_before_now_and_not_long_ago():
    """This test process started before the test ran, and (pytest start-up being seconds) within the
    last few hours; /proc's figure agrees with the module's."""
    now = time.time()
    assert now - 6 * 3600 < PROCESS_START <= now
    assert abs(process_start_time() - PROCESS_START) < 1e-6


def test_next_export_removes_stale_siblings_of_its_target_only(tmp_path):
    old = PROCESS_START - 3600.0  # an hour before this process: left by a crash
    stale = _file(tmp_path / ".~0123abcd-report.pdf", "half a pdf", old)
    stale2 = _file(tmp_path / ".~deadbeef-report.pdf", "another half", old)
    fresh = _file(tmp_path / ".~89abcdef-report.pdf", "being written now by another instance")
    other_target = _file(tmp_path / ".~0123abcd-other.pdf", "someone else's", old)
    look_alike = _file(tmp_path / ".~notahex0-report.pdf", "not our name", old)
    longer = _file(tmp_path / ".~0123abcd-report.pdf.bak", "not our name either", old)
    user_file = _file(tmp_path / "notes.txt", "the user's", old)
    target = _file(tmp_path / "report.pdf", "the old report", old)

    staged_write(target, lambda temp: temp.write_text("the new report"))

    assert not stale.exists() and not stale2.exists()
    for kept in (fresh, other_target, look_alike, longer, user_file):
        assert kept.exists(), kept.name
    assert target.read_text() == "the new report"
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([fresh.name, other_target.name, look_alike.name, longer.name, user_file.name,
                           "report.pdf"])


def test_a_staging_cleans_before_it_hands_out_a_path_and_keeps_its_own(tmp_path):
    old = PROCESS_START - 60.0
    stale = _file(tmp_path / ".~00000000-a.stl", "crash leftovers", old)
    with Staging() as staging:
        temp = staging.target(tmp_path / "a.stl")
        assert not stale.exists()
        temp.write_text("mesh")
        # a second target in the same folder must not remove the first one's fresh temporary file
        staging.target(tmp_path / "b.stl").write_text("mesh b")
        assert temp.exists()
        staging.commit()
    assert (tmp_path / "a.stl").read_text() == "mesh" and (tmp_path / "b.stl").read_text() == "mesh b"


def test_remove_stale_staged_returns_what_it_removed_and_skips_folders(tmp_path):
    old = PROCESS_START - 10.0
    stale = _file(tmp_path / ".~abcdef01-x.dcm", "old", old)
    folder = tmp_path / ".~abcdef02-x.dcm"
    folder.mkdir()
    os.utime(folder, (old, old))
    assert remove_stale_staged(tmp_path / "x.dcm") == [stale]
    assert folder.is_dir()
    assert remove_stale_staged(tmp_path / "missing-folder" / "x.dcm") == []
