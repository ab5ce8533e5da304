"""The bone surface's build in the status bar (issue 19): "Bone surface" with a progress bar and a
Cancel button while :class:`~planner.ui.view3d.View3D` builds it in its worker; hidden otherwise.
Cancel (:meth:`View3D.cancel_surface`) drops the build: the 3D view keeps what it showed and stays
usable."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget


class BoneSurfaceStatus(QWidget):
    """Added to ``status_bar`` as a permanent widget; follows ``view3d``'s surface_busy / surface_progress."""

    def __init__(self, view3d, status_bar):
        super().__init__(status_bar)
        self.setObjectName("bone_surface_status")
        self.view3d = view3d
        view3d.toolbar_progress = False  # one bar for the build, here with its Cancel (the 3D toolbar's was cut
        # off beside the bone controls: screenshot round of issue 19)
        self.label = QLabel("Bone surface", self)
        self.bar = QProgressBar(self)
        self.bar.setObjectName("bone_surface_progress")
        self.bar.setRange(0, 100)
        self.bar.setMaximumWidth(120)
        self.cancel = QToolButton(self)
        self.cancel.setObjectName("cancel_bone_surface")
        self.cancel.setText("Cancel")
        self.cancel.setToolTip("Stop building the 3D bone surface (the 3D view keeps what it shows)")
        self.cancel.clicked.connect(view3d.cancel_surface)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.label, self.bar, self.cancel):
            layout.addWidget(widget)
        view3d.surface_busy.connect(self._on_busy)
        view3d.surface_progress.connect(lambda fraction: self.bar.setValue(int(round(fraction * 100))))
        status_bar.addPermanentWidget(self)
        self._on_busy(view3d.is_surface_busy())

    def _on_busy(self, busy: bool) -> None:
        if busy:
            self.bar.setValue(0)
        self.setVisible(bool(busy))
