"""The findings of the latest evaluation, worst first, with the plan's headline figures."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from planner.core import palette
from planner.analysis.thresholds import Severity
from planner.ui.readouts import plan_readouts

COLORS = {s: QColor(*palette.SEVERITY[s.value]) for s in Severity}
PREFIX = {Severity.CRITICAL: "CRITICAL", Severity.WARNING: "WARNING", Severity.INFO: "info"}


class FindingsPanel(QWidget):
    """Click a finding to select the item it is about."""

    def __init__(self, session, selection, parent=None):
        super().__init__(parent)
        self.session = session
        self.selection = selection
        self.summary = QLabel("")
        self.summary.setObjectName("plan_summary")
        self.list = QListWidget(self)
        self.list.setObjectName("findings_list")
        self.list.setWordWrap(True)
        self.list.itemClicked.connect(self._on_click)
        self.status = QLabel("")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addWidget(self.summary)
        layout.addWidget(self.status)
        layout.addWidget(self.list, 1)
        session.evaluated.connect(self.show_evaluation)

    def show_evaluation(self, evaluation) -> None:
        """Show the evaluation's findings; rows that did not change are left alone (a drag step usually
        changes a few numbers in a few messages)."""
        summary = plan_readouts(self.session)
        if self.summary.text() != summary:
            self.summary.setText(summary)
        findings = evaluation.findings
        while self.list.count() > len(findings):
            self.list.takeItem(self.list.count() - 1)
        for index, f in enumerate(findings):
            row = self.list.item(index)
            if row is None:
                row = QListWidgetItem()
                self.list.addItem(row)
            text = f"{PREFIX[f.severity]}: {f.message}"
            if row.text() != text:
                row.setText(text)
            if row.data(Qt.UserRole + 1) != f.code or row.data(Qt.UserRole + 2) != f.severity.value:
                row.setForeground(QBrush(COLORS[f.severity]))
                row.setData(Qt.UserRole + 1, f.code)
                row.setData(Qt.UserRole + 2, f.severity.value)
            if row.data(Qt.UserRole) != f.item_id:
                row.setData(Qt.UserRole, f.item_id)
        status = "" if evaluation.complete else "Checking the needle corridors…"
        if self.status.text() != status:
            self.status.setText(status)

    def codes(self) -> list[str]:
        return [self.list.item(i).data(Qt.UserRole + 1) for i in range(self.list.count())]

    def _on_click(self, row: QListWidgetItem) -> None:
        item_id = row.data(Qt.UserRole)
        if item_id and item_id in self.session.plan:
            self.selection.select(item_id)
