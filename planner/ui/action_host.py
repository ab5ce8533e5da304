"""What a menu action group (``FileActions``, ``PlanningActions``, ``LevelActions``, ``ViewActions``...)
may ask of the window that hosts it: this small public interface, nothing private.

:class:`~planner.ui.main_window.MainWindow` implements it; a test can build one group on a small fake
host (tests/ui/test_action_groups.py). A new group takes the host in its constructor, adds its menu
with :meth:`ActionHost.add_menu` and its actions with :meth:`ActionHost.add_action`, turns gestures
into commands on ``host.session.stack`` and reports through :meth:`show_status` / :meth:`warn`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping, Protocol

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget


class ActionHost(Protocol):
    """The window as the action groups see it (see the module docstring)."""

    session: Any  # the PlanningSession: plan, stack, volume, canal and lesion masks, evaluation
    selection: Any  # planner.session.placement.Selection
    state: Any  # planner.session.view_state.ViewState (cursor, window/level)
    tools: Mapping[str, Any]  # the 2D view tools by key ("navigate", "place_needle", "canal_paint"...)

    def widget(self) -> QWidget:
        """The parent for dialogs."""

    def add_menu(self, title: str) -> QMenu:
        """A new top-level menu."""

    def add_action(self, menu: QMenu, text: str, slot: Callable, shortcut=None) -> QAction:
        """An action in ``menu`` (and on the window, so its shortcut works everywhere)."""

    def set_tool(self, key: str) -> None:
        """Make a tool of :attr:`tools` the active one in every 2D view."""

    def show_status(self, text: str, msecs: int = 5000) -> None:
        """A message in the status bar."""

    def warn(self, title: str, text: str) -> None:
        """Tell the user something went wrong (a dialog, or the status bar when running unattended)."""

    def open_path(self, path: str | Path) -> None:
        """Load a DICOM folder or a volume file in the background."""

    def start_canal(self, seed_lps=None) -> None:
        """Segment the spinal canal of the current volume in the background (from a seed when given)."""

    def mid_sagittal_plane_for(self, needle) -> tuple:
        """(point, normal) to mirror ``needle`` across, or (None, None) after telling the user why."""

    def selected_needle(self):
        """The selected needle or thermocouple (an antenna's needle), else None."""

    def update_views(self) -> None:
        """Repaint the 2D views."""
