"""The menu action groups talk to their window through planner.ui.action_host.ActionHost only, so one
group can be built and driven on a small fake host; the 2D view tools follow the typed tool protocol."""

import pytest

pytest.importorskip("PySide6")

from PySide6.QtGui import QAction  # noqa: E402
from PySide6.QtWidgets import QMenu, QWidget  # noqa: E402

from planner.plan import commands  # noqa: E402
from planner.plan.items import Needle  # noqa: E402
from planner.session.placement import Selection  # noqa: E402
from planner.session.session import PlanningSession  # noqa: E402
from planner.session.tools import ContextTool, ViewTool  # noqa: E402
from planner.session.view_state import ViewState  # noqa: E402


class FakeHost:
    """The smallest ActionHost: a widget for dialogs, menus kept in a dict, messages recorded."""

    def __init__(self):
        self.session = PlanningSession()
        self.selection = Selection()
        self.state = ViewState()
        self.tools = {}
        self.parent = QWidget()
        self.menus: dict[str, QMenu] = {}
        self.messages: list[str] = []
        self.tool_key = None

    def widget(self):
        return self.parent

    def add_menu(self, title):
        self.menus[title] = QMenu(title, self.parent)
        return self.menus[title]

    def add_action(self, menu, text, slot, shortcut=None):
        action = QAction(text, self.parent)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def set_tool(self, key):
        self.tool_key = key

    def show_status(self, text, msecs=5000):
        self.messages.append(text)

    def warn(self, title, text):
        self.messages.append(f"{title}: {text}")

    def update_views(self):
        pass


@pytest.fixture
def host(qtbot):
    h = FakeHost()
    qtbot.addWidget(h.parent)
    return h


def _action(menu: QMenu, text: str) -> QAction:
    return next(a for a in menu.actions() if a.text().replace("&", "").startswith(text))


def test_planning_actions_on_a_fake_host(host):
    from planner.ui.planning_actions import PlanningActions

    group = PlanningActions(host)
    plan_menu = host.menus["&Plan"]
    _action(plan_menu, "New needle").trigger()
    assert host.tool_key == "place_needle"
    _action(plan_menu, "Add antenna").trigger()
    assert host.messages[-1].startswith("Select an item first")
    needle = Needle((0, 60, 0), (0, 0, 0))
    host.session.stack.push(commands.add_item(needle))
    host.selection.select(needle.id)
    _action(plan_menu, "Add antenna").trigger()
    antenna = host.session.plan.antenna_for(needle.id)
    assert antenna is not None and host.selection.item_id == antenna.id
    assert group.undo.isEnabled() and "Undo" in group.undo.text()
    host.selection.select(needle.id)
    _action(plan_menu, "Delete").trigger()
    assert len(host.session.plan) == 0  # the needle took its antenna with it


def test_level_actions_refuse_a_second_level_of_the_same_name_through_warn(host):
    from planner.plan.items import Level
    from planner.ui.level_actions import LevelActions

    group = LevelActions(host, host.add_menu("&Plan"))
    host.session.stack.push(commands.add_item(Level(name="L2", body_centre_lps=(0, 0, 0))))
    group.name_box.setCurrentText("L2")
    group.add_level_at((0.0, 0.0, 0.0))
    assert host.tool_key == "navigate"
    assert host.messages == ["Vertebral level: The plan already has level L2; choose another name in the toolbar."]


def test_the_main_window_tools_follow_the_tool_protocol(qtbot):
    from planner.ui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    assert window.tools and all(isinstance(tool, ViewTool) for tool in window.tools.values())
    assert isinstance(window.tools["navigate"], ContextTool)
    assert window.volume is None and window.session.volume is None  # one owner of the current volume
    window.close()
