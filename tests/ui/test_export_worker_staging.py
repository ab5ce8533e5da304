"""The pieces under the background exports, without a window: staged files (all or nothing), the
progress/cancel callback, the session snapshot, and a job run in the calling thread."""

from __future__ import annotations

import numpy as np
import pytest

from planner.core.errors import PlannerError
from planner.core.progress import ExportCancelled, report, scaled
from planner.export.atomic import TEMP_PREFIX, Staging, staged_write


def test_staged_files_appear_together_only_on_commit(tmp_path):
    (tmp_path / "b.txt").write_text("old b")
    with Staging() as staging:
        for name in ("a.txt", "b.txt"):
            staging.target(tmp_path / name).write_text(f"new {name}")
        assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(TEMP_PREFIX)) == ["b.txt"]
        assert (tmp_path / "b.txt").read_text() == "old b"
        assert staging.commit() == [tmp_path / "a.txt", tmp_path / "b.txt"]
    assert (tmp_path / "a.txt").read_text() == "new a.txt" and (tmp_path / "b.txt").read_text() == "new b.txt"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]


def test_an_error_inside_the_staging_discards_every_temporary_file(tmp_path):
    (tmp_path / "report.pdf").write_bytes(b"old")
    with pytest.raises(ExportCancelled), Staging() as staging:
        staging.target(tmp_path / "report.pdf").write_bytes(b"half a new rep")
        raise ExportCancelled()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.pdf"]
    assert (tmp_path / "report.pdf").read_bytes() == b"old"


def test_a_file_the_writer_did_not_produce_is_named_and_nothing_is_written(tmp_path):
    staging = Staging()
    staging.target(tmp_path / "a.dcm").write_bytes(b"a")
    staging.target(tmp_path / "b.dcm")  # a writer that silently wrote nothing
    with pytest.raises(PlannerError, match="b.dcm"):
        staging.commit()
    assert list(tmp_path.iterdir()) == []


def test_the_temporary_name_keeps_the_final_suffixes_for_libraries_that_read_them(tmp_path):
    temp = Staging().target(tmp_path / "plan.seg.nrrd")
    assert temp.parent == tmp_path and temp.name.startswith(TEMP_PREFIX) and temp.name.endswith("-plan.seg.nrrd")


def test_a_single_staged_write_is_atomic(tmp_path):
    target = tmp_path / "m.mrk.json"
    target.write_text("old")

    def broken(temp):
        temp.write_text("half")
        raise OSError(28, "No space left on device")
    with pytest.raises(OSError):
        staged_write(target, broken)
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["m.mrk.json"]
    assert staged_write(target, lambda temp: temp.write_text("new")) == target and target.read_text() == "new"


def test_progress_false_means_cancel_and_parts_are_scaled():
    seen = []
    part = scaled(lambda f, t: seen.append((f, t)) or True, 0.5, 0.75)
    part(0.0, "start")
    part(1.0, "end")
    assert seen == [(0.5, "start"), (0.75, "end")]
    report(None, 0.3)  # nobody watching: nothing to cancel
    with pytest.raises(ExportCancelled, match="nothing was written"):
        report(lambda f, t: False, 0.3, "x")


def test_the_snapshot_keeps_the_plan_and_masks_of_its_moment():
    from planner.core.volume import ImageVolume, SeriesInfo
    from planner.plan.commands import add_item, move_point
    from planner.plan.items import Needle
    from planner.session.session import PlanningSession
    from planner.session.snapshot import SessionSnapshot

    hu = np.zeros((8, 10, 12), dtype=np.int16)
    session = PlanningSession()
    session.auto_evaluate = False
    session.set_volume(ImageVolume(hu, (1.0, 1.0, 1.0), (0.0, 0.0, 0.0), np.eye(3), SeriesInfo()))
    canal = np.zeros(hu.shape, dtype=bool)
    canal[2:4, 3:5, 4:6] = True
    session.set_canal(canal)
    session.stack.push(add_item(Needle((1.0, 1.0, 1.0), (5.0, 5.0, 5.0), name="n1", id="n1")))
    session.extra_export_masks["extra"] = lambda: (canal, "ctv")
    snapshot = SessionSnapshot(session)
    session.stack.push(move_point("n1", "tip_lps", (6.0, 6.0, 6.0)))
    session.canal_mask[:] = False  # the canal brush edits in place
    session.canal.touch()
    assert snapshot.plan.get("n1").tip_lps == (5.0, 5.0, 5.0)
    assert int(snapshot.canal_mask.sum()) == 8 and int(snapshot.export_masks["extra"][0].sum()) == 8
    assert snapshot.export_masks["extra"][1] == "ctv"
    assert snapshot.needle_level(snapshot.plan.get("n1")) == ""


def test_a_mesh_job_cancelled_between_parts_leaves_no_file(sample_volume, tmp_path):
    """Headless (no worker): Cancel answered at the third part; the folder stays empty."""
    from planner.headless.export_steps import meshes_job, run_job
    from planner.session.session import PlanningSession
    from planner.session.snapshot import SessionSnapshot
    from tests.export.conftest import demo_plan_with_level

    session = PlanningSession()
    session.auto_evaluate = False
    session.set_volume(sample_volume)  # loaded once per session (tests/conftest.py)
    session.open_plan(demo_plan_with_level(session.plan.series))
    session.evaluate(corridors=False)
    texts = []

    def progress(_fraction, text):
        texts.append(text)
        return text != "Meshes: lesion"
    with pytest.raises(ExportCancelled):
        run_job(meshes_job(SessionSnapshot(session), tmp_path / "m", "stl"), progress)
    assert "Meshes: zones" in texts and "Meshes: needles" not in texts  # zones staged, then discarded
    assert not list((tmp_path / "m").iterdir())


def test_a_target_folder_that_cannot_exist_is_refused_in_words(tmp_path):
    from planner.export.atomic import check_target_folder

    check_target_folder(tmp_path / "new" / "deeper")  # may be created: fine
    (tmp_path / "f").write_text("")
    with pytest.raises(PlannerError, match="could not be created .*Not a directory"):
        check_target_folder(tmp_path / "f" / "sub")
