"""The trainer's dialog: save the current plan as the reference of a new training task."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QLineEdit, QPlainTextEdit

from planner.training.tasks import PassThresholds


class AuthorDialog(QDialog):
    """What a trainer types to save the current plan as the reference of a new task."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Save the plan as a reference task")
        self.task_id = QLineEdit()
        self.task_id.setPlaceholderText("e.g. l2-left-deep (lower-case letters, digits, dashes)")
        self.title = QLineEdit()
        self.instructions = QPlainTextEdit()
        self.instructions.setPlaceholderText("Plan a bipedicular microwave ablation of the L2 lesion")
        defaults = PassThresholds()
        self.spins = {}
        form = QFormLayout(self)
        for label, widget in (("Task id", self.task_id), ("Title", self.title), ("Task", self.instructions)):
            form.addRow(label, widget)
        for key, label, hi, suffix in (("tip_error_mm", "Pass: tip error ≤", 50, " mm"),
                                       ("angle_error_deg", "Pass: angle error ≤", 45, " °"),
                                       ("min_coverage_percent", "Pass: coverage ≥", 100, " %")):
            spin = QDoubleSpinBox()
            spin.setRange(0, hi)
            spin.setSuffix(suffix)
            spin.setValue(getattr(defaults, key))
            self.spins[key] = spin
            form.addRow(label, spin)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def thresholds(self) -> PassThresholds:
        return PassThresholds(**{k: s.value() for k, s in self.spins.items()})
