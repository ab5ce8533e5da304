"""``SessionAnatomy.vertebra_for`` keeps its last answers (issue 15: each move of a drag asks for the vertebra
of every needle, the needle not dragged unchanged). A kept answer is only given back for the same
vertebrae, the same plan levels and the same needle level and tip: a level added, vertebrae found anew or
a tip moved out of the body give the new answer. Closed forms on a hand-made body (as in
tests/analysis/test_linked_vertebra.py): a 46 x 36 mm body, 27 mm high, an ellipse between the endplates."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

import planner.session.anatomy_state as anatomy_state
from planner.anatomy.levels import LevelGeometry
from planner.anatomy.spine_names import SpineResult
from planner.core.volume import ImageVolume
from planner.plan.items import Level
from planner.session.anatomy_state import SessionAnatomy

AXES = ((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0))
CENTRE = (10.0, -20.0, 30.0)


def _body(name: str = "") -> LevelGeometry:
    return LevelGeometry(name, CENTRE, AXES, CENTRE, AXES[0], (10.0, -20.0, 43.5), (10.0, -20.0, 16.5), 27.0, 46.0,
                         36.0, 35.0, 0.9, True, confidence=0.0)


def _anatomy(holder: dict) -> SessionAnatomy:
    from planner.anatomy.cache import AnatomyCache

    volume = ImageVolume(hu=np.zeros((2, 2, 2), np.int16), spacing_mm=(1.0, 1.0, 1.0), origin_lps=(0.0, 0.0, 0.0),
                         direction=np.eye(3))
    anatomy = SessionAnatomy(volume, AnatomyCache(enabled=False))
    anatomy.spine = lambda cancel=None: holder["spine"]  # the vertebrae as found, without a search
    return anatomy


def test_kept_answers_only_for_the_same_vertebrae_levels_and_tip(monkeypatch):
    searched = []
    real = anatomy_state.vertebra_at
    monkeypatch.setattr(anatomy_state, "vertebra_at", lambda *a, **k: searched.append(1) or real(*a, **k))
    holder = {"spine": SpineResult((_body(),), False, "test")}
    anatomy = _anatomy(holder)
    inside = SimpleNamespace(level="", tip_lps=(10.0, -30.0, 30.0))  # 10 mm anterior of the centre: inside
    first = anatomy.vertebra_for((), inside)
    assert first is not None and first.name == "" and np.allclose(first.body_centre_lps, CENTRE)
    n = len(searched)
    assert anatomy.vertebra_for((), SimpleNamespace(level="", tip_lps=(10.0, -30.0, 30.0))) is first
    assert len(searched) == n  # the same question: not searched again

    level = Level("L1", (14.0, -26.0, 33.0))  # a plan level inside that body: it names it
    named = anatomy.vertebra_for((level,), inside)
    assert named.name == "L1" and len(searched) > n

    outside = SimpleNamespace(level="", tip_lps=(10.0, -20.0 - 19.0, 30.0))  # 19 mm anterior: past the 18 mm
    assert anatomy.vertebra_for((level,), outside) is None

    holder["spine"] = SpineResult((_body("T12"),), False, "test")  # the vertebrae found anew (named)
    renamed = anatomy.vertebra_for((), inside)
    assert renamed.name == "T12"
    holder["spine"] = SpineResult((), False, "test")  # none found
    assert anatomy.vertebra_for((), inside) is None
