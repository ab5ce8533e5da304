"""Screenshot round of issue 19: after Submit, a bipedicular reference's two tips lie close together and
their two "reference" labels were written over each other ("reference erence"). They are stacked now, and
name their side."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QImage, QPainter

from planner.plan.document import PlanDocument
from planner.plan.items import Needle
from planner.ui import overlays, training_overlay
from planner.ui.training_overlay import ReferenceOverlay

pytestmark = pytest.mark.gui


class _View:
    def height_above_slice_mm(self, p):
        return 0.0

    def lps_to_screen(self, p):
        return 100.0 + float(p[0]), 100.0 + float(p[1])


def test_two_close_reference_tips_get_two_separate_labels(qapp, monkeypatch):
    ref = PlanDocument()
    ref.insert(Needle((40.0, 80.0, 0.0), (3.0, 0.0, 0.0), side="left"))
    ref.insert(Needle((-40.0, 80.0, 0.0), (-3.0, 0.0, 0.0), side="right"))  # tips 6 px apart on screen
    overlay = ReferenceOverlay()
    overlay.reference, overlay.visible = ref, True
    monkeypatch.setattr(training_overlay, "draw_shaft", lambda *a, **k: None)
    monkeypatch.setattr(training_overlay, "draw_endpoint", lambda *a, **k: None)
    drawn = []
    monkeypatch.setattr(overlays, "_fill_label", lambda painter, rect, text, color: drawn.append((text, rect)))
    image = QImage(400, 300, QImage.Format_RGB32)
    painter = QPainter(image)
    try:
        overlay(painter, _View(), None)
    finally:
        painter.end()
    assert sorted(t for t, _ in drawn) == ["reference left", "reference right"]
    (_, a), (_, b) = drawn
    assert not a.intersects(b), (a, b)
