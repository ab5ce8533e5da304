"""Training tasks on the shared real scans: listed with their attribution, unavailable (with the reason)
without the scans, and their hidden references on real anatomy (checked against facts found apart from
the builder: the L2 body is on axial slice 57 by eye, bone HU, the skin, the machine-made T12 label)."""

from __future__ import annotations

import numpy as np
import pytest

from planner.imaging import load_path
from planner.training.catalog import case_folders, load_entries
from planner.training.shared_data import ENV, locate_series, read_attribution
from planner.training.tasks import load_case

REAL = {"l2-left-transpedicular": "ct-lumbar-tcia", "t12-right-transpedicular": "ct-t11-t12-jpeg2000"}


def _task(task_id):
    for folder in case_folders():
        case = load_case(folder)
        if task_id in {t.id for t in case.tasks}:
            return case, case.task(task_id)
    raise AssertionError(task_id)


def test_without_the_scans_the_real_tasks_are_listed_unavailable_with_the_reason(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV, str(tmp_path))  # an empty folder: no scan there
    cases, entries, errors = load_entries(case_folders(), tmp_path / "user")
    assert not errors and set(REAL) <= set(entries)
    for task_id, dataset in REAL.items():
        entry = entries[task_id]
        assert not entry.location.available and dataset in entry.location.reason
        assert entry.label().endswith("(unavailable)") and "Unavailable" in entry.summary_html()
    assert entries["l2-unipedicular"].location.available  # the bundled sample is always there
    monkeypatch.setenv(ENV, str(tmp_path / "absent"))
    assert "SPINE_PLANNER_SHARED_DATA" in locate_series("shared:ct-lumbar-tcia").reason


def test_the_instructions_state_the_tolerances_and_the_scoring_rule():
    for task_id in REAL:
        _case, task = _task(task_id)
        th = task.thresholds
        text = task.instructions
        assert f"tip within {th.tip_error_mm:g} mm" in text and f"within {th.angle_error_deg:g}°" in text
        assert f"entry within {th.entry_error_mm:g} mm" in text and "spinal canal" in text


@pytest.mark.realdata
def test_attribution_is_read_from_source_txt(lumbar_ct_dir, t11_t12_ct_dir):
    lumbar = read_attribution(lumbar_ct_dir.parent / "SOURCE.txt")
    assert "CC BY 4.0" in lumbar.license and "https://doi.org/10.7937/TCIA.ESHQ-4D90" in lumbar.citation
    assert "Hong J" in lumbar.citation and "TCIA" in lumbar.origin
    thoracic = read_attribution(t11_t12_ct_dir.parent / "SOURCE.txt")
    assert thoracic.license.startswith("Apache License 2.0") and "10.1148/ryai.230024" in thoracic.citation
    assert "SHA256SUMS" not in thoracic.citation
    _cases, entries, _ = load_entries(case_folders(), "/nonexistent-user-dir")
    shown = entries["l2-left-transpedicular"].attribution_text()
    assert "CC BY 4.0" in shown and "10.7937/TCIA.ESHQ-4D90" in shown


def _hu_near(volume, point_lps, radius_vox=1):
    i, j, k = np.round(volume.to_ijk(np.asarray(point_lps, float)[None])[0]).astype(int)
    r = radius_vox
    return float(volume.hu[k, j - r:j + r + 1, i - r:i + r + 1].mean())


def _at_the_skin(volume, needle):
    """Soft tissue 3 mm inside the entry along the line, air 10 mm outside it (the skin between)."""
    entry, tip = np.asarray(needle.entry_lps), np.asarray(needle.tip_lps)
    out = (entry - tip) / np.linalg.norm(entry - tip)
    return _hu_near(volume, entry - 3.0 * out, 0) > -300 and _hu_near(volume, entry + 10.0 * out) < -500


@pytest.mark.realdata
def test_l2_reference_is_in_the_l2_body_through_the_left_pedicle(lumbar_volume):
    volume = lumbar_volume  # loaded once per session, read-only (tests/conftest.py)
    _case, task = _task("l2-left-transpedicular")
    ref = task.reference()
    needle, level = ref.needles[0], ref.level_named("L2")
    k_tip = volume.to_ijk(np.asarray(needle.tip_lps)[None])[0][2]
    assert abs(k_tip - 57) <= 3  # L2's body is on slice 57 (eye-checked); a body is about 9 slices high
    assert _hu_near(volume, needle.tip_lps) > 150  # cancellous bone (DOMAIN.md: 300-400 HU, less when old)
    lateral = (np.asarray(needle.tip_lps) - np.asarray(level.plane_point_lps)) @ np.asarray(level.plane_normal_lps)
    assert 0 < lateral < 20  # left of the mid-sagittal plane, inside a 40-50 mm wide body
    assert needle.side == "left" and _at_the_skin(volume, needle)
    assert 60 < needle.length_mm <= needle.usable_length_mm  # DOMAIN.md: skin to body centre 8-10 cm


@pytest.mark.realdata
def test_t12_reference_tip_is_in_the_t12_label_and_the_entry_at_the_skin(t11_t12_ct_dir, t11_t12_volume):
    volume = t11_t12_volume  # loaded once per session, read-only (tests/conftest.py)
    seg = load_path(t11_t12_ct_dir.parent / "totalsegmentator_fast_labels.nii.gz")
    _case, task = _task("t12-right-transpedicular")
    needle = task.reference().needles[0]
    kji = np.argwhere(seg.hu == 32)  # T12 in the machine-made labels (SOURCE.txt), on their own grid
    gap_mm = np.linalg.norm(seg.to_lps(kji[:, ::-1].astype(float)) - np.asarray(needle.tip_lps), axis=1).min()
    assert gap_mm <= 2.0  # in the label, or within its coarse (2 mm) edge: the tip is straight ahead of the
    # pedicle (T12's medial angle is about 0°, DOMAIN.md), in the lateral part of the body
    assert _hu_near(volume, needle.tip_lps) > 150
    assert needle.side == "right" and needle.tip_lps[0] < 0 and _at_the_skin(volume, needle)


@pytest.mark.realdata
def test_the_shipped_t12_reference_is_what_the_builder_makes(t11_t12_ct_dir, t11_t12_volume, t11_t12_canal):
    """The shipped level is the builder's, the shipped needle one of its candidates (the full build tries
    some twenty lines, minutes on this machine: ``python -m planner.training.real_tasks``) and it passes
    the builder's own check (no critical finding, no breach above grade 2, no canal entry)."""
    from planner.session.session import PlanningSession
    from planner.planning.access import body_mask
    from planner.training import real_tasks as rt
    from planner.training.t12_anatomy import t12_body

    spec = next(s for s in rt.REAL_TASKS if s.id == "t12-right-transpedicular")
    volume, canal, data_dir = t11_t12_volume, t11_t12_canal.mask, t11_t12_ct_dir.parent
    body = t12_body(volume, canal, data_dir)
    frame = rt.level_frame(spec, volume, data_dir, canal, body)
    shipped = _task(spec.id)[1].reference()
    assert np.allclose(shipped.levels[0].body_centre_lps, frame.centre_lps, atol=0.05)
    assert shipped.levels[0].body_depth_mm == pytest.approx(frame.depth_mm, abs=0.05)
    needle = shipped.needles[0]
    found = [c for c in rt._candidates(spec, volume, body_mask(volume), canal, frame, body, data_dir) if c is not None]
    assert any(np.allclose(e, needle.entry_lps, atol=0.05) and np.allclose(t, needle.tip_lps, atol=0.05)
               for e, t in found)
    session = PlanningSession()
    session.auto_evaluate = False
    session.defer_corridors = False
    session.set_volume(volume)
    session.set_canal(canal.copy())
    assert rt.passes_own_task(spec, session, rt.plan_with(spec, frame, needle.entry_lps, needle.tip_lps))


def test_plan_option_needs_a_case():
    from planner.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["--plan", "plan.json"])
    assert exc.value.code == 2
