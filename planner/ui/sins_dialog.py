"""A dialog to score a level's Spinal Instability Neoplastic Score (SINS) component by component.

The scores and their meanings come from :mod:`planner.report.sins` (DOMAIN.md table); the dialog
shows the running total and category, and the caller applies the result with an undoable
``set_fields(level_id, sins=...)`` command (:func:`apply_sins`).
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QVBoxLayout

from planner.plan.commands import set_fields
from planner.report.sins import SINS_COMPONENTS, location_score_for_level, score_sins

NOT_SCORED = -1


class SinsDialog(QDialog):
    """Edit the SINS of one level; :meth:`values` gives the component scores chosen."""

    def __init__(self, level, parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"SINS – level {level.name}")
        self.setObjectName("sins_dialog")
        self.level = level
        current = dict(level.sins or {})
        if "location" not in current and location_score_for_level(level.name) is not None:
            current["location"] = location_score_for_level(level.name)
        form = QFormLayout()
        self.combos: dict[str, QComboBox] = {}
        for component in SINS_COMPONENTS:
            combo = QComboBox(self)
            combo.setObjectName(f"sins_{component.key}")
            combo.addItem("— not scored —", NOT_SCORED)
            for label, score in component.choices:
                combo.addItem(f"{label}  ({score})", score)
            if component.key in current:
                combo.setCurrentIndex(max(0, combo.findData(int(current[component.key]))))
            combo.currentIndexChanged.connect(self._update_total)
            form.addRow(component.title, combo)
            self.combos[component.key] = combo
        self.total_label = QLabel(self)
        self.total_label.setObjectName("sins_total")
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.total_label)
        layout.addWidget(QLabel("Fisher et al., Spine 2010 (SOSG). 0–6 stable, 7–12 potentially unstable, "
                                "13–18 unstable.", self))
        layout.addWidget(buttons)
        self._update_total()

    def values(self) -> dict[str, int]:
        """The component scores chosen (components left "not scored" are omitted)."""
        return {key: int(combo.currentData()) for key, combo in self.combos.items()
                if combo.currentData() != NOT_SCORED}

    def set_score(self, key: str, score: int) -> None:
        combo = self.combos[key]
        combo.setCurrentIndex(combo.findData(int(score)))

    def _update_total(self, *args) -> None:
        result = score_sins(self.values())
        total = "—" if result.total is None else str(result.total)
        self.total_label.setText(f"Total: {total} / 18 – {result.category}")


def apply_sins(session, level_id: str, values: dict[str, int]) -> None:
    """Store the scores on the level as one undoable command (None when nothing is scored)."""
    session.stack.push(set_fields(level_id, text="Set SINS", sins=dict(values) or None))
