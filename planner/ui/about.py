"""The About dialog: version, licences of the bundled components, and data attribution."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase, QPixmap
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QPlainTextEdit, QVBoxLayout

from planner import __version__
from planner.about_text import about_text
from planner.core.resources import resource_path

ICON_FILE = ("icons", "spine-planner-64.png")


class AboutDialog(QDialog):
    """The shared :func:`planner.about_text.about_text` in a read-only, scrollable box."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("about_dialog")
        self.setWindowTitle("About Spine Ablation Planner")
        header = QHBoxLayout()
        icon = QLabel()
        pixmap = QPixmap(str(resource_path(*ICON_FILE)))
        if not pixmap.isNull():
            icon.setPixmap(pixmap)
        header.addWidget(icon)
        title = QLabel(f"<b>Spine Ablation Planner</b> {__version__}")
        title.setObjectName("about_title")
        header.addWidget(title, 1)
        self.text = QPlainTextEdit(about_text())
        self.text.setObjectName("about_text")
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.WidgetWidth)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.GeneralFont))
        self.text.setTextInteractionFlags(Qt.TextSelectableByMouse | Qt.TextSelectableByKeyboard)
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        self.resize(640, 520)


def show_about(parent) -> None:
    AboutDialog(parent).exec()
