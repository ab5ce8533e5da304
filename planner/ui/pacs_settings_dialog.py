"""PACS node settings: several nodes, our AE title and receive port, timeouts, cache folder, Echo."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog, QDialogButtonBox, QDoubleSpinBox, QFormLayout, QGroupBox, QHBoxLayout, QLineEdit,
    QListWidget, QPushButton, QSpinBox, QVBoxLayout, QWidget,
)

from planner.core.errors import PlannerError
from planner.pacs import PacsNode, PacsSettings, SettingsStore, Timeouts, echo
from planner.ui.pacs_jobs import JobHost as _JobHost
from planner.ui.pacs_jobs import set_status as _set_status
from planner.ui.pacs_jobs import status_label as _status_label


class PacsSettingsDialog(_JobHost, QDialog):
    """Edit PACS nodes, our AE title / receive port and timeouts; Echo tests the selected node."""

    def __init__(self, store: SettingsStore, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("PACS settings")
        self.store = store
        try:
            self.settings = store.load()
        except PlannerError as exc:
            self.settings = PacsSettings()
            self._load_error = str(exc)
        else:
            self._load_error = ""
        self._nodes: list[PacsNode] = list(self.settings.nodes)
        self._build()
        self._fill()

    def _build(self) -> None:
        self.node_list = QListWidget()
        self.add_button, self.remove_button = QPushButton("Add"), QPushButton("Remove")
        self.name_edit, self.ae_edit, self.host_edit = QLineEdit(), QLineEdit(), QLineEdit()
        self.port_spin = QSpinBox()
        self.port_spin.setRange(1, 65535)
        self.echo_button = QPushButton("Echo")
        self.status = _status_label()
        node_form = QFormLayout()
        for text, w in (("Name", self.name_edit), ("AE title", self.ae_edit), ("Host", self.host_edit),
                        ("Port", self.port_spin), ("", self.echo_button)):
            node_form.addRow(text, w)
        left = QVBoxLayout()
        left.addWidget(self.node_list)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        left.addLayout(buttons)
        top = QHBoxLayout()
        top.addLayout(left)
        top.addLayout(node_form)
        self.local_ae_edit = QLineEdit()
        self.receive_port_spin = QSpinBox()
        self.receive_port_spin.setRange(1, 65535)
        self.cache_edit = QLineEdit()
        self.timeout_spins = {}
        local = QFormLayout()
        local.addRow("Our AE title", self.local_ae_edit)
        local.addRow("Our receive port (C-MOVE)", self.receive_port_spin)
        local.addRow("Cache folder (empty: default)", self.cache_edit)
        for key, text in (("connect_s", "Connect timeout (s)"), ("acse_s", "Association timeout (s)"),
                          ("dimse_s", "Response timeout (s)"), ("network_s", "Idle network timeout (s)")):
            spin = QDoubleSpinBox()
            spin.setRange(0.1, 3600)
            spin.setDecimals(1)
            self.timeout_spins[key] = spin
            local.addRow(text, spin)
        group = QGroupBox("This computer")
        group.setLayout(local)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(group)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.node_list.currentRowChanged.connect(self._show_node)
        self.add_button.clicked.connect(self.add_node)
        self.remove_button.clicked.connect(self.remove_node)
        self.echo_button.clicked.connect(self.run_echo)
        for edit in (self.name_edit, self.ae_edit, self.host_edit):
            edit.editingFinished.connect(self._store_node)
        self.port_spin.valueChanged.connect(self._store_node)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)

    def _fill(self) -> None:
        s = self.settings
        self.local_ae_edit.setText(s.local_ae_title)
        self.receive_port_spin.setValue(s.receive_port)
        self.cache_edit.setText(s.cache_dir)
        for key, spin in self.timeout_spins.items():
            spin.setValue(getattr(s.timeouts, key))
        self.node_list.addItems([n.name for n in self._nodes])
        if self._nodes:
            self.node_list.setCurrentRow(0)
        self._show_node(self.node_list.currentRow())
        if self._load_error:
            self.show_status(self._load_error, error=True)

    def _show_node(self, row: int) -> None:
        node = self._nodes[row] if 0 <= row < len(self._nodes) else None
        for w in (self.name_edit, self.ae_edit, self.host_edit, self.port_spin, self.echo_button):
            w.setEnabled(node is not None)
        if node is not None:
            self.port_spin.blockSignals(True)
            self.name_edit.setText(node.name)
            self.ae_edit.setText(node.ae_title)
            self.host_edit.setText(node.host)
            self.port_spin.setValue(node.port)
            self.port_spin.blockSignals(False)

    def _store_node(self) -> None:
        row = self.node_list.currentRow()
        if 0 <= row < len(self._nodes):
            self._nodes[row] = PacsNode(self.name_edit.text(), self.ae_edit.text(), self.host_edit.text(),
                                        self.port_spin.value())
            self.node_list.item(row).setText(self.name_edit.text())

    def add_node(self) -> None:
        n = len(self._nodes) + 1
        self._nodes.append(PacsNode(f"PACS {n}", "PACS", "localhost", 104))
        self.node_list.addItem(self._nodes[-1].name)
        self.node_list.setCurrentRow(len(self._nodes) - 1)

    def remove_node(self) -> None:
        row = self.node_list.currentRow()
        if 0 <= row < len(self._nodes):
            del self._nodes[row]
            self.node_list.takeItem(row)

    def current_settings(self) -> PacsSettings:
        """The settings as edited (validated; raises PacsSettingsError)."""
        self._store_node()
        timeouts = Timeouts(**{k: s.value() for k, s in self.timeout_spins.items()})
        return PacsSettings(local_ae_title=self.local_ae_edit.text(), receive_port=self.receive_port_spin.value(),
                            receive_bind=self.settings.receive_bind, nodes=tuple(self._nodes),
                            timeouts=timeouts, cache_dir=self.cache_edit.text()).validated()

    def run_echo(self) -> None:
        try:
            settings = self.current_settings()
            node = settings.nodes[self.node_list.currentRow()]
        except (PlannerError, IndexError) as exc:
            self.show_status(str(exc) or "Select a PACS first.", error=True)
            return
        self.show_status(f"Echo to {node.label}...")
        self.run_job(lambda token, report: echo(settings, node, token),
                     lambda ms: self.show_status(f"Echo OK: {node.label} answered in {ms:.0f} ms."))

    def save(self) -> None:
        try:
            self.store.save(self.current_settings())
        except PlannerError as exc:
            self.show_status(str(exc), error=True)
            return
        self.accept()

    def set_busy(self, busy: bool) -> None:
        self.echo_button.setEnabled(not busy)

    def show_status(self, text: str, error: bool = False) -> None:
        _set_status(self.status, text, error)

    def done(self, result: int) -> None:
        self.stop_job()
        super().done(result)


