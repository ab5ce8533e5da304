"""PACS dialogs: node settings with an Echo test, query/retrieve browser with cache, send with progress.

All network work runs in :class:`PacsJob` (a worker on a QThread); Cancel sets the job's
:class:`planner.pacs.CancelToken`, which aborts the association. Messages shown are the
:class:`planner.core.errors.PlannerError` texts of :mod:`planner.pacs`.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDateEdit, QDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
    QProgressBar, QPushButton, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget,
)

from planner.core.errors import PlannerError
from planner.pacs import (
    PacsNode, PacsSettings, QueryFilter, SeriesCache, check_complete, find_series,
    find_studies, format_size, retrieve_series, send_files,
)
from planner.ui.pacs_jobs import JobHost as _JobHost
from planner.ui.pacs_jobs import PacsJob  # noqa: F401 (re-exported: tests and callers import it from here)
from planner.ui.pacs_jobs import set_status as _set_status
from planner.ui.pacs_jobs import status_label as _status_label
from planner.ui.pacs_settings_dialog import PacsSettingsDialog  # noqa: F401 (re-exported)


STUDY_COLUMNS = ("Patient ID", "Patient name", "Date", "Accession", "Modalities", "Description", "Series")
SERIES_COLUMNS = ("Number", "Modality", "Description", "Images")


def _table(columns: Sequence[str]) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setHorizontalHeaderLabels(list(columns))
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def _fill_table(table: QTableWidget, rows: Sequence[Sequence[object]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            table.setItem(r, c, QTableWidgetItem("" if value is None else str(value)))


def _date_edit() -> QDateEdit:
    edit = QDateEdit()
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setSpecialValueText("any")
    edit.setMinimumDate(QDate(1900, 1, 1))
    edit.setDate(edit.minimumDate())
    return edit


class PacsBrowserDialog(_JobHost, QDialog):
    """Query studies/series, retrieve one series (C-GET or C-MOVE) into the cache, manage the cache.

    Emits :attr:`seriesRetrieved` with the folder of a complete series when the user opens it.
    """

    seriesRetrieved = Signal(str)

    def __init__(self, settings: PacsSettings, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Get images from PACS")
        self.settings = settings.validated()
        self.cache = SeriesCache(self.settings.cache_path())
        self.studies, self.series = [], []
        self.retrieved_path = ""
        self._build()
        self.update_cache_size()

    def _build(self) -> None:
        self.node_combo = QComboBox()
        self.node_combo.addItems([n.name for n in self.settings.nodes])
        self.patient_id_edit, self.patient_name_edit = QLineEdit(), QLineEdit()
        self.accession_edit, self.modality_edit = QLineEdit(), QLineEdit()
        self.date_from_edit, self.date_to_edit = _date_edit(), _date_edit()
        self.search_button = QPushButton("Search")
        form = QFormLayout()
        for text, w in (("PACS", self.node_combo), ("Patient ID", self.patient_id_edit),
                        ("Patient name", self.patient_name_edit), ("Study date from", self.date_from_edit),
                        ("Study date to", self.date_to_edit), ("Accession number", self.accession_edit),
                        ("Modality", self.modality_edit), ("", self.search_button)):
            form.addRow(text, w)
        self.study_table, self.series_table = _table(STUDY_COLUMNS), _table(SERIES_COLUMNS)
        self.method_combo = QComboBox()
        self.method_combo.addItem("C-GET", "get")
        self.method_combo.addItem("C-MOVE (to our receive port)", "move")
        self.retrieve_button, self.cancel_button = QPushButton("Retrieve and open"), QPushButton("Cancel")
        self.progress = QProgressBar()
        self.cache_label, self.clear_cache_button = QLabel(), QPushButton("Clear cache")
        self.status = _status_label()
        actions = QHBoxLayout()
        for w in (self.method_combo, self.retrieve_button, self.progress, self.cancel_button):
            actions.addWidget(w)
        cache_row = QHBoxLayout()
        cache_row.addWidget(self.cache_label)
        cache_row.addWidget(self.clear_cache_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.study_table)
        layout.addWidget(self.series_table)
        layout.addLayout(actions)
        layout.addWidget(self.status)
        layout.addLayout(cache_row)
        self.cancel_button.setEnabled(False)
        self.retrieve_button.setEnabled(False)
        self.search_button.clicked.connect(self.search)
        self.study_table.itemSelectionChanged.connect(self.load_series)
        self.series_table.itemSelectionChanged.connect(self._selection_changed)
        self.retrieve_button.clicked.connect(self.retrieve)
        self.cancel_button.clicked.connect(self.cancel)
        self.clear_cache_button.clicked.connect(self.clear_cache)

    def _node(self) -> PacsNode:
        return self.settings.nodes[self.node_combo.currentIndex()]

    def query_filter(self) -> QueryFilter:
        def day(edit: QDateEdit):
            return None if edit.date() == edit.minimumDate() else edit.date().toPython()
        return QueryFilter(patient_id=self.patient_id_edit.text(), patient_name=self.patient_name_edit.text(),
                           date_from=day(self.date_from_edit), date_to=day(self.date_to_edit),
                           accession_number=self.accession_edit.text(), modality=self.modality_edit.text())

    def search(self) -> None:
        if not self.settings.nodes:
            self.show_status("No PACS is configured: add one in the PACS settings.", error=True)
            return
        settings, node, query = self.settings, self._node(), self.query_filter()
        self.show_status(f"Searching {node.label}...")
        self.run_job(lambda token, report: find_studies(settings, node, query, token), self._show_studies)

    def _show_studies(self, studies) -> None:
        self.studies = list(studies)
        _fill_table(self.study_table, [(s.patient_id, s.patient_name, s.study_date, s.accession_number,
                                        "/".join(s.modalities), s.description, s.series_count)
                                       for s in self.studies])
        self.series = []
        self.series_table.setRowCount(0)
        self.show_status(f"{len(self.studies)} stud{'y' if len(self.studies) == 1 else 'ies'} found.")

    def load_series(self) -> None:
        rows = self.study_table.selectionModel().selectedRows()
        if not rows or (self.job is not None and self.job.is_running()):
            return
        settings, node, study = self.settings, self._node(), self.studies[rows[0].row()]
        self.run_job(lambda token, report: find_series(settings, node, study, cancel=token), self._show_series)

    def _show_series(self, series) -> None:
        self.series = list(series)
        _fill_table(self.series_table, [(s.series_number, s.modality, s.description, s.instance_count)
                                        for s in self.series])
        self.show_status(f"{len(self.series)} series in this study.")

    def _selected_series(self):
        rows = self.series_table.selectionModel().selectedRows()
        return self.series[rows[0].row()] if rows else None

    def _selection_changed(self) -> None:
        self.retrieve_button.setEnabled(self._selected_series() is not None and self.job_idle())

    def retrieve(self) -> None:
        series = self._selected_series()
        if series is None:
            return
        settings, node, cache, method = self.settings, self._node(), self.cache, self.method_combo.currentData()

        def work(token, report):
            return retrieve_series(settings, node, series, cache, method=method, cancel=token, reuse_cached=True,
                                   progress=lambda p: report(p.received, p.expected, ""))
        self.progress.setRange(0, max(series.instance_count or 0, 1))
        self.progress.setValue(0)
        self.show_status(f"Retrieving series {series.series_number} ({method.upper()})...")
        self.run_job(work, self._retrieved, self._on_progress)

    def _on_progress(self, done: int, total: int, _text: str) -> None:
        self.progress.setRange(0, max(total, done, 1))
        self.progress.setValue(done)

    def _retrieved(self, folder) -> None:
        try:
            manifest = check_complete(folder)
        except PlannerError as exc:
            self.show_status(str(exc), error=True)
            return
        self.retrieved_path = str(folder)
        self.update_cache_size()
        self.show_status(f"Retrieved {manifest['received']} images into {folder}.")
        self.seriesRetrieved.emit(str(folder))

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.show_status("Cancelling...")

    def clear_cache(self) -> None:
        if not self.job_idle():
            self.show_status("Wait for the current transfer to finish before clearing the cache.", error=True)
            return
        self.cache.clear()
        self.update_cache_size()

    def update_cache_size(self) -> None:
        self.cache_label.setText(f"Cache: {format_size(self.cache.size_bytes())} in {self.cache.root}")

    def set_busy(self, busy: bool) -> None:
        self.search_button.setEnabled(not busy)
        self.clear_cache_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)
        self.retrieve_button.setEnabled(not busy and self._selected_series() is not None)
        if not busy:
            self.update_cache_size()

    def show_status(self, text: str, error: bool = False) -> None:
        _set_status(self.status, text, error)

    def done(self, result: int) -> None:
        self.stop_job()
        super().done(result)


class PacsSendDialog(_JobHost, QDialog):
    """Send a list of DICOM files (report PDF, key images, ...) to a chosen PACS, with Cancel."""

    def __init__(self, settings: PacsSettings, paths: Sequence[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Send to PACS")
        self.settings, self.paths = settings.validated(), [str(p) for p in paths]
        self.node_combo = QComboBox()
        self.node_combo.addItems([n.name for n in self.settings.nodes])
        self.send_button, self.cancel_button = QPushButton(f"Send {len(self.paths)} file(s)"), QPushButton("Cancel")
        self.progress, self.status = QProgressBar(), _status_label()
        self.progress.setRange(0, max(len(self.paths), 1))
        layout = QVBoxLayout(self)
        for w in (self.node_combo, self.send_button, self.progress, self.status, self.cancel_button):
            layout.addWidget(w)
        self.send_button.clicked.connect(self.send)
        self.cancel_button.clicked.connect(self._cancel)

    def send(self) -> None:
        if not self.settings.nodes:
            self.show_status("No PACS is configured: add one in the PACS settings.", error=True)
            return
        settings, node, paths = self.settings, self.settings.nodes[self.node_combo.currentIndex()], self.paths
        self.run_job(lambda token, report: send_files(settings, node, paths, progress=report, cancel=token),
                     lambda rep: self.show_status(f"Sent {len(rep.sent)} file(s) to {node.label}."),
                     lambda done, total, name: self.progress.setValue(done))

    def _cancel(self) -> None:
        if self.job is not None and self.job.is_running():
            self.job.cancel()
        else:
            self.reject()

    def set_busy(self, busy: bool) -> None:
        self.send_button.setEnabled(not busy)

    def show_status(self, text: str, error: bool = False) -> None:
        _set_status(self.status, text, error)

    def done(self, result: int) -> None:
        self.stop_job()
        super().done(result)
