"""``SeriesBrowserDialog``: pick one of the series found by ``planner.imaging.discover``."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView, QDialog, QDialogButtonBox, QHeaderView, QLabel, QTableWidget,
    QTableWidgetItem, QVBoxLayout, QWidget,
)

from planner.imaging import SeriesCandidate

COLUMNS = ("Patient", "Study", "Series", "Modality", "Images", "Slice thickness", "Matrix",
           "Transfer syntax", "Usable")


def _date(value: str) -> str:
    return f"{value[:4]}-{value[4:6]}-{value[6:8]}" if len(value) == 8 and value.isdigit() else value


def row_texts(c: SeriesCandidate) -> list[str]:
    """The table cells of one candidate, in ``COLUMNS`` order."""
    patient = " / ".join(p for p in (c.patient_name.replace("^", " ").strip(), c.patient_id) if p) or "(no name)"
    study = " ".join(p for p in (_date(c.study_date), c.study_description) if p)
    number = f"#{c.series_number} " if c.series_number is not None else ""
    thickness = f"{c.slice_thickness_mm:.2f} mm" if c.slice_thickness_mm else "?"
    matrix = f"{c.columns} x {c.rows}" if c.rows and c.columns else "?"
    usable = "yes" if c.supported else f"no: {c.reason}"
    return [patient, study, f"{number}{c.series_description}".strip(), c.modality or "?", str(c.n_images),
            thickness, matrix, c.transfer_syntax, usable]


class SeriesBrowserDialog(QDialog):
    """A table of series candidates; OK is enabled only on a usable series."""

    def __init__(self, candidates: Sequence[SeriesCandidate], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Choose a CT series")
        self._candidates = list(candidates)
        self.table = QTableWidget(len(self._candidates), len(COLUMNS), self)
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self._fill()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        n_ok = sum(c.supported for c in self._candidates)
        self.summary = QLabel(f"{len(self._candidates)} series found, {n_ok} usable.", self)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.table.itemSelectionChanged.connect(self._update_ok)
        self.table.cellDoubleClicked.connect(self._double_clicked)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.table)
        layout.addWidget(self.buttons)
        self.resize(900, 320)
        first = next((r for r, c in enumerate(self._candidates) if c.supported), None)
        if first is not None:
            self.table.selectRow(first)
        self._update_ok()

    def _fill(self) -> None:
        grey = QBrush(QColor(128, 128, 128))
        for r, c in enumerate(self._candidates):
            for col, text in enumerate(row_texts(c)):
                item = QTableWidgetItem(text)
                item.setToolTip(text if col != len(COLUMNS) - 1 else (c.reason or "usable"))
                item.setData(Qt.ItemDataRole.UserRole, r)
                if not c.supported:
                    item.setForeground(grey)
                self.table.setItem(r, col, item)

    def _selected_row(self) -> int | None:
        rows = {i.row() for i in self.table.selectedItems()}
        return rows.pop() if len(rows) == 1 else None

    def _update_ok(self) -> None:
        row = self._selected_row()
        ok = row is not None and self._candidates[row].supported
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)

    def _double_clicked(self, row: int, _col: int) -> None:
        if self._candidates[row].supported:
            self.table.selectRow(row)
            self.accept()

    def selected_candidate(self) -> SeriesCandidate | None:
        """The chosen usable candidate, or None."""
        row = self._selected_row()
        if row is None or not self._candidates[row].supported:
            return None
        return self._candidates[row]
