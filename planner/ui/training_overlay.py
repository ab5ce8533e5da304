"""The training reference drawn in the 2D views (issue 19 split it out of training_panel.py)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPen

from planner.core import palette
from planner.plan.document import PlanDocument
from planner.ui.overlays import _labels
from planner.ui.plan_overlays import _pt, draw_endpoint, draw_shaft

REFERENCE_RGB = QColor(*palette.REFERENCE_PLAN)
DIFFERENCE_RGB = QColor(*palette.DIFFERENCE)


class ReferenceOverlay:
    """Draws the reference plan's needles, antennas and thermocouples in green in a 2D view, and a dotted
    line from each matched attempt tip to its reference tip. Draws nothing until ``reference`` is set
    (after Submit) and ``visible``."""

    def __init__(self):
        self.reference: PlanDocument | None = None
        self.score = None
        self.attempt: PlanDocument | None = None
        self.visible = False

    def __call__(self, painter, view, sl) -> None:
        ref = self.reference
        if ref is None or not self.visible:
            return
        labels = []
        for needle in ref.needles:
            antenna = ref.antenna_for(needle.id)
            if antenna is not None:
                draw_shaft(painter, view, sl, needle.tip_lps, antenna.tip_lps(needle), 1.6, REFERENCE_RGB)
            draw_shaft(painter, view, sl, needle.entry_lps, needle.tip_lps, needle.outer_diameter_mm, REFERENCE_RGB)
            draw_endpoint(painter, view, sl, needle.tip_lps, REFERENCE_RGB)
            if abs(float(view.height_above_slice_mm(needle.tip_lps))) <= 10:
                x, y = view.lps_to_screen(needle.tip_lps)
                labels.append((x, y, f"reference {needle.side}".strip(), REFERENCE_RGB))
        # stacked, not each at its tip: a bipedicular reference's two tips lie close together and their labels
        # were written over each other ("reference erence", screenshot round of issue 19)
        _labels(painter, labels)
        for tc in ref.thermocouples:
            draw_shaft(painter, view, sl, tc.entry_lps, tc.tip_lps, tc.outer_diameter_mm, REFERENCE_RGB)
            draw_endpoint(painter, view, sl, tc.tip_lps, REFERENCE_RGB, 4.0)
        self._differences(painter, view)

    def _differences(self, painter, view) -> None:
        if self.score is None or self.attempt is None:
            return
        painter.setPen(QPen(DIFFERENCE_RGB, 1.2, Qt.DotLine))
        pairs = [(c.reference_id, c.attempt_id) for c in (*self.score.needles, *self.score.thermocouples)]
        for ref_id, att_id in pairs:
            if att_id is None or ref_id not in self.reference or att_id not in self.attempt:
                continue
            a, b = self.reference.get(ref_id).tip_lps, self.attempt.get(att_id).tip_lps
            if min(abs(float(view.height_above_slice_mm(p))) for p in (a, b)) <= 10:
                painter.drawLine(_pt(view, b), _pt(view, a))
