"""Headless scenario runner: the same steps as the app, done as plan commands on a PlanningSession.

Each step does what the app's gesture does, so a scenario gives the same plan headless and through the
GUI (:mod:`planner.ui.scenario_driver`): a needle or thermocouple is one "add" command (named
"Needle n" / "Thermocouple n", side inferred from the entry as the placing tool does); an antenna is
added with the device defaults and then its power and time are set, as typed in the properties panel;
a bipedicular pair mirrors across the needle level's mid-sagittal plane, or the plane found from the
image at the needle tip; a target is a sphere (radius) or an ellipsoid (semi-axes along x, y, z).
"""

from __future__ import annotations

import json

import numpy as np

from planner.ablation.devices import DeviceLibrary, load_library
from planner.core.resources import resource_path, sample_series_dir
from planner.plan import commands
from planner.plan.items import Antenna, Needle, Target, Thermocouple
from planner.scenarios.model import Scenario, ScenarioError
from planner.scenarios.steps import ScenarioResult, StepRunner
from planner.session.mirror import mid_sagittal_plane
from planner.session.placement import infer_side
from planner.session.session import PlanningSession
from planner.session.view_state import ViewState


def window_preset_ids() -> dict[str, tuple[float, float, str]]:
    """Window presets by id -> (centre HU, width HU, shortcut key), from
    resources/presets/window_presets.json (the file the app's View menu is built from)."""
    data = json.loads(resource_path("presets", "window_presets.json").read_text(encoding="utf-8"))
    return {p["id"]: (float(p["center_hu"]), float(p["width_hu"]), str(p["key"])) for p in data["presets"]}


def series_path(scenario: Scenario):
    return sample_series_dir() if scenario.uses_sample else scenario.series


class CaseCache:
    """Loaded volumes and their canal masks by series path, so several scenarios load a series once."""

    def __init__(self):
        self._cases: dict[str, tuple] = {}

    def get(self, path):
        key = str(path)
        if key not in self._cases:
            from planner.anatomy.canal import segment_canal
            from planner.imaging import load_path

            volume = load_path(path)
            self._cases[key] = (volume, segment_canal(volume).mask)
        return self._cases[key]


class HeadlessRunner(StepRunner):
    """Runs a scenario on a :class:`PlanningSession` without any window."""

    mode = "headless"

    def __init__(self, cache: CaseCache | None = None, devices: DeviceLibrary | None = None):
        super().__init__()
        self.cache = cache or CaseCache()
        self.devices = devices or load_library()
        self._session: PlanningSession | None = None
        self.view = ViewState()

    @property
    def session(self) -> PlanningSession:
        if self._session is None:
            raise ScenarioError("no series is open")
        return self._session

    def open_series(self, scenario: Scenario) -> None:
        volume, canal = self.cache.get(series_path(scenario))
        session = PlanningSession(devices=self.devices)
        session.auto_evaluate = False  # evaluated once before each check, as the app's state is then
        session.set_volume(volume)
        session.set_canal(canal)
        self._session = session
        lo, hi = volume.bounds_lps
        self.view.set_cursor((lo + hi) / 2)

    def undo_once(self) -> None:
        self.session.stack.undo()

    def redo_once(self) -> None:
        self.session.stack.redo()

    def before_checks(self) -> None:
        self.session.evaluate(corridors=True)

    def _push(self, command) -> None:
        self.session.stack.push(command)

    # --- steps ------------------------------------------------------------------------------------
    def do_view(self, args) -> str:
        volume = self.session.volume
        cursor = self.view.cursor_lps
        if "cursor_lps" in args:
            cursor = np.asarray(args["cursor_lps"], float)
        if "slice_z_mm" in args:
            cursor[2] = args["slice_z_mm"]
        if not volume.contains_ijk(volume.to_ijk(cursor)):
            raise ScenarioError(f"the point {np.round(cursor, 1).tolist()} is outside the scan")
        self.view.set_cursor(cursor)
        if "window" in args:
            presets = window_preset_ids()
            if args["window"] not in presets:
                raise ScenarioError(f"unknown window preset '{args['window']}' (known: {', '.join(presets)})")
            self.view.set_window(*presets[args["window"]][:2])
        return ""

    def do_add_needle(self, args) -> str:
        plan = self.session.plan
        entry = args["entry_lps"]
        side = infer_side(self.session, entry, "")
        needle = Needle(entry, args["tip_lps"], name=f"Needle {len(plan.needles) + 1}", side=side)
        self._push(commands.add_item(needle))
        self.new_label(args["label"], needle.id)
        return f"{needle.name} ({side})"

    def do_add_thermocouple(self, args) -> str:
        plan = self.session.plan
        tc = Thermocouple(args["entry_lps"], args["tip_lps"], name=f"Thermocouple {len(plan.thermocouples) + 1}")
        self._push(commands.add_item(tc))
        self.new_label(args["label"], tc.id)
        return tc.name

    def do_add_antenna(self, args) -> str:
        needle_id = self.item_id(args["needle"])
        if self.session.plan.antenna_for(needle_id) is not None:
            raise ScenarioError(f"the needle '{args['needle']}' already holds an antenna")
        antenna = Antenna(needle_id)
        self._push(commands.add_item(antenna))
        return self.do_set_antenna(args)

    def do_set_antenna(self, args) -> str:
        antenna = self.session.plan.antenna_for(self.item_id(args["needle"]))
        if antenna is None:
            raise ScenarioError(f"the needle '{args['needle']}' holds no antenna")
        for key in ("power_w", "time_s"):  # the order in which the properties panel is typed into
            if key in args and float(round(args[key])) != getattr(antenna, key):
                self._push(commands.set_fields(antenna.id, **{key: float(round(args[key]))}))
        antenna = self.session.plan.antenna_for(antenna.needle_id)
        return f"{antenna.power_w:g} W, {antenna.time_s:g} s"

    def do_add_target(self, args) -> str:
        plan = self.session.plan
        semi = args.get("semi_axes_mm") or (args["radius_mm"],) * 3
        semi = tuple(round(float(s), 1) for s in semi)
        kind = "sphere" if len(set(semi)) == 1 else "ellipsoid"
        target = Target(args["centre_lps"], kind=kind, semi_axes_mm=semi, name=f"Target {len(plan.targets) + 1}")
        self._push(commands.add_item(target))
        self.new_label(args["label"], target.id)
        return f"{kind} {semi}"

    def do_bipedicular(self, args) -> str:
        plan = self.session.plan
        needle = plan.get(self.item_id(args["needle"]))
        point, normal = mid_sagittal_plane(self.session, needle)
        before = {n.id for n in plan.needles}
        self._push(commands.bipedicular_pair(plan, needle.id, point, normal))
        new = [n.id for n in plan.needles if n.id not in before]
        self.new_label(args["label"], new[0] if new else None)
        return plan.get(new[0]).name

    def do_delete(self, args) -> str:
        item_id = self.item_id(args["item"])
        self._push(commands.remove_item(item_id))
        return ""

    def do_analyze(self, args) -> str:
        ev = self.session.evaluate(corridors=True)
        return f"{len(ev.findings)} finding(s), worst {ev.severity.value}"


def run_scenario(scenario: Scenario, cache: CaseCache | None = None) -> ScenarioResult:
    """Run one scenario headless."""
    return HeadlessRunner(cache).run(scenario)
