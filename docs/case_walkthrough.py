"""A whole case in the real window, one screenshot per step (issue 19: "checked as a person would").

Drives the main window with the same mouse and keyboard gestures as the GUI scenario tests
(:class:`planner.ui.scenario_driver.GuiScenarioDriver`): open the scan, name a level with the level tool,
place a needle, put an antenna through it, mirror it to the other pedicle (B), add a thermocouple by the
nearest neural foramen the planner found, add a 10 mm lesion in the body, save the plan, export the PDF
report. After each step it waits for the safety findings to be current and saves the whole window
(``NN-step.png``, 3D view included). It prints one line per step with the findings, so the pictures can be
read against the numbers. Usage (from the project root; docs/readme-screenshot.md has the display notes)::

    xvfb-run -a python3 docs/case_walkthrough.py sample /tmp/walk-sample
    xvfb-run -a python3 docs/case_walkthrough.py lumbar /tmp/walk-lumbar   # ../shared/data/ct-lumbar-tcia
    xvfb-run -a python3 docs/case_walkthrough.py t11 /tmp/walk-t11         # ../shared/data/ct-t11-t12-jpeg2000

The level and the first needle of each case are those of the case's training reference plan
(``resources/training/*/``), placed by hand on that scan and checked by eye; everything else follows from
what the planner finds. Look at every picture before calling a view done.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
CASES = {  # case -> (series folder, training reference plan)
    "sample": ("sample", ROOT / "resources/training/sample-l2/l2-bipedicular.plan.json"),
    "lumbar": (ROOT.parent / "shared/data/ct-lumbar-tcia",
               ROOT / "resources/training/lumbar-tcia/l2-left-transpedicular.plan.json"),
    "t11": (ROOT.parent / "shared/data/ct-t11-t12-jpeg2000",
            ROOT / "resources/training/t11-t12/t12-right-transpedicular.plan.json"),
}


def _thermocouple_near_foramen(session, needle):
    """Tip on the foramen (same side, nearest level) the planner found, entry 60 mm out along the way a
    posterolateral probe comes in (lateral and posterior of the tip); None when no foramen was found."""
    foramina = [f for f in (session.evaluation.foramina if session.evaluation else ()) if f.side == needle.side]
    if not foramina:
        return None
    tip_z = needle.tip_lps[2]
    f = min(foramina, key=lambda f: abs(f.centre_lps[2] - tip_z))
    lateral = 1.0 if needle.side == "left" else -1.0  # LPS +x is the patient's left
    tip = np.round(np.asarray(f.centre_lps, float), 1)
    entry = np.round(tip + 60.0 * np.array([0.6 * lateral, 0.8, 0.0]), 1)
    return tuple(entry), tuple(tip)


def _wait_findings(driver, timeout_s: float = 240.0) -> None:
    window = driver.w
    deadline = time.monotonic() + timeout_s

    def settled():
        ev = window.session.evaluation
        checking = getattr(getattr(window, "findings", None), "rechecking", lambda: False)()
        return ev is not None and ev.complete and not window.session.interactive and not checking

    driver.wait_until(lambda: settled() or time.monotonic() > deadline, int(timeout_s * 1000) + 1000)


def _summary(session) -> str:
    ev = session.evaluation
    if ev is None:
        return "no evaluation"
    worst = ", ".join(sorted({f"{f.code.value}:{f.severity.value}" for f in ev.findings})) or "no finding"
    return f"{len(ev.findings)} finding(s): {worst}"


def walk(case: str, out: Path) -> int:
    from PySide6.QtWidgets import QApplication

    from planner.plan.io import read_plan
    from planner.scenarios.records import Step
    from planner.ui.main_window import MainWindow
    from planner.ui.scenario_driver import GuiScenarioDriver
    from planner.ui.screenshot import save_window_png

    series, reference_path = CASES[case]
    if series != "sample" and not Path(series).is_dir():
        print(f"{series} is not here: this case needs the shared scans beside the project")
        return 2
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    window = MainWindow()
    window.resize(1600, 1000)
    window.show()
    driver = GuiScenarioDriver(window, load_timeout_s=240.0)
    reference = read_plan(reference_path)
    level, needle = reference.levels[0], reference.needles[0]
    shots: list[str] = []

    def shoot(name: str, note: str = "") -> None:
        _wait_findings(driver)
        QApplication.processEvents()
        path = save_window_png(window, out / f"{len(shots) + 1:02d}-{name}.png")
        shots.append(path.name)
        print(f"{path.name}: {note or _summary(window.session)}", flush=True)

    def step(kind: str, **args):
        outcome = driver.run_step(Step(kind, args, len(shots) + 1))
        if not outcome.ok:
            raise SystemExit(f"step {kind} failed: {outcome.message}")
        return outcome.message

    try:
        _steps(window, driver, case, series, level, needle, out, shoot, step)
    finally:
        window.plan_files.confirm_close = lambda: True  # saved in the walk; no question on the way out
        window.close()  # stops the background jobs before the interpreter goes
        driver.wait_until(lambda: False, 500)
    return 0


def _steps(window, driver, case, series, level, needle, out, shoot, step) -> None:
    from planner.scenarios.records import Scenario

    driver.open_series(Scenario(name=case, description="", series=str(series), steps=()))
    shoot("loaded", f"{window.session.volume.shape_ijk} voxels; {window.statusBar().currentMessage()}")
    # the level tool: choose the name in the toolbar box, then click the body centre in the axial view
    levels = window.levels
    levels.name_box.setCurrentText(level.name)
    driver.scroll_axial_to(level.body_centre_lps[2])
    levels.start()
    driver.click_axial(np.asarray(level.body_centre_lps))
    # the level tool measures the body in the background ("Level L2: measuring the body…"): wait for it
    driver.wait_until(lambda: bool(window.session.plan.levels), 180_000)
    shoot("level", f"levels {[lv.name for lv in window.session.plan.levels]}; "
                   f"{window.statusBar().currentMessage()}")
    step("add_needle", label="first", entry_lps=needle.entry_lps, tip_lps=needle.tip_lps)
    shoot("needle")
    step("add_antenna", needle="first", power_w=30, time_s=180)
    shoot("antenna")
    step("bipedicular", needle="first", label="second")  # B mirrors the needle with its antenna
    shoot("bipedicular")
    placed = _thermocouple_near_foramen(window.session, window.session.plan.get(driver.item_id("first")))
    if placed is None:
        print("no neural foramen found on this scan's side of the needle: no thermocouple placed")
    else:
        step("add_thermocouple", label="tc", entry_lps=placed[0], tip_lps=placed[1])
        shoot("thermocouple")
    step("add_target", label="lesion", centre_lps=tuple(np.round(level.body_centre_lps, 1)), radius_mm=10.0)
    shoot("lesion")
    plan_path = out / "walkthrough.plan.json"
    window.plan_files.save_to(plan_path)
    shoot("saved", f"title {window.windowTitle()!r}, modified {window.isWindowModified()}")
    exports = window.plan_files.exports
    report = out / "walkthrough-report.pdf"
    exports.prompts.save_file = lambda *a, **k: str(report)  # the file dialog's answer
    exports.export_pdf()
    driver.wait_until(lambda: not exports.runner.is_busy(), 300_000)
    shoot("exported", f"report {'written' if report.is_file() else 'MISSING'}: {report.name}; "
                      f"{window.statusBar().currentMessage()}")


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in CASES:
        print(__doc__)
        sys.exit(2)
    sys.exit(walk(sys.argv[1], Path(sys.argv[2])))
