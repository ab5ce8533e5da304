"""The About dialog: version, licences of the main bundled components, and data attribution."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from planner import __version__
from planner.about_text import about_text


def show_about(parent) -> None:
    box = QMessageBox(parent)
    box.setWindowTitle("About Spine Ablation Planner")
    box.setText(f"<b>Spine Ablation Planner</b> {__version__}")
    box.setInformativeText(about_text())
    box.setObjectName("about_dialog")
    box.exec()
