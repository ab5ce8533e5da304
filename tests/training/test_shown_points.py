"""Screenshot round of issue 19: the training panel read "35/100" and the progress "36/100" for one attempt
(35.46: rounded once half to even in the panel, to 35.5 and again half to even in the progress). One
rule now: the total as the history keeps it (one decimal), rounded half up."""

from __future__ import annotations

from planner.training.scoring import shown_points


def test_half_up_of_the_kept_decimal():
    assert shown_points(35.46) == 36  # kept as 35.5, shown 36 in every place
    assert shown_points(35.44) == 35
    assert shown_points(36.5) == 37 and shown_points(35.5) == 36  # half up, not half to even (36 and 36)
    assert shown_points(0.0) == 0 and shown_points(100.0) == 100


def test_the_progress_shows_what_the_panel_shows(tmp_path):
    """The panel and the feedback show shown_points(score.total) of the raw total; the progress reads the
    history's kept total: the same whole points, and the change between them as shown."""
    from planner.training.history import AttemptHistory, AttemptRecord

    history = AttemptHistory(tmp_path, "Trainee")
    for total in (35.46, 36.04):  # shown 36 and 36 (kept 35.5 and 36.0)
        history.add(AttemptRecord("case", "task", "2026-12-04T20:00:00Z", 60.0, round(total, 1), False))
    first, second, best = history.progress_lines("task")
    assert first.endswith(f": {shown_points(35.46)}/100 not passed") and shown_points(35.46) == 36
    assert second.endswith(": 36/100 (+0) not passed")
    assert best.startswith("Best: 36/100")
