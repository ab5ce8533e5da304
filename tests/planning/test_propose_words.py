"""The words of a proposal (planner.planning.propose_words): the lesion note's threshold."""

from __future__ import annotations

from types import SimpleNamespace

from planner.planning.propose_words import LESION_NOTE_PCT, lesion_note


def test_the_lesion_note_only_below_half_the_lesion():
    options = [SimpleNamespace(target_coverage_pct=p) for p in (12.4, 30.0)]
    (note,) = lesion_note(options)
    assert note.startswith("No option covers more than 30% of the lesion")
    assert lesion_note([SimpleNamespace(target_coverage_pct=LESION_NOTE_PCT)]) == ()
    assert lesion_note([]) == ()
