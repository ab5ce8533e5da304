"""``spine-planner --self-test``: a headless end-to-end check of an installation or a bundle.

Loads the bundled synthetic sample, segments the spinal canal and compares it with the sample's ground
truth, evaluates the demo plan (bipedicular L2 microwave ablation, see :mod:`planner.headless.demo`),
renders the 3D scene offscreen through EGL and counts the pixels the scene drew. Each check prints one
line with its measured figure; the first failing check prints ``FAIL`` with the reason and the
command exits 1 (checks that need its result are skipped). All checks passing exits 0.

VTK is imported only inside the render check, so the module imports without VTK or Qt
(``tests/test_layering.py``) and a broken OpenGL set-up shows as a failed check, not as a crash at start.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Callable, TextIO

import numpy as np

from planner.analysis.rules.codes import Code
from planner.core import palette
from planner.core.errors import PlannerError
from planner.core.frames import kji_to_ijk

RENDER_SIZE_PX = (800, 600)
# Minimum agreement of the automatic canal with the ground-truth canal lumen (labels 30-32). The
# segmentation reaches about 0.93 on the sample; below 0.85 something in loading or segmenting broke.
MIN_CANAL_DICE = 0.85
GROUND_TRUTH_CANAL_LABELS = (30, 31, 32)  # epidural space, CSF, cord (sample_dicom/ground_truth/README.md)
# A pixel belongs to the drawn scene when it differs from the empty scene's background by more than this.
BACKGROUND_TOLERANCE = 8
MIN_SCENE_FRACTION = 0.05  # the spine fills far more than 5 % of the frame from the default camera


class CheckFailed(Exception):
    """A self-test check measured something outside its expected range."""


@dataclass
class SelfTestState:
    """What the checks hand on to one another."""

    volume: object = None
    session: object = None
    report: dict = field(default_factory=dict)


def check_resources(state: SelfTestState) -> str:
    from planner.ablation.devices import load_library
    from planner.core.resources import resources_dir, sample_series_dir

    library = load_library()
    if not library.devices or library.problems:
        raise CheckFailed(f"device library in {resources_dir() / 'devices'}: {len(library.devices)} devices, "
                          f"problems: {'; '.join(library.problems) or 'none'}")
    n_files = len(list(sample_series_dir().glob("*.dcm")))
    if n_files == 0:
        raise CheckFailed(f"the sample case is missing (looked in {sample_series_dir()})")
    return f"resources found: {len(library.devices)} ablation devices, sample series of {n_files} files"


def check_sample(state: SelfTestState) -> str:
    from planner.core.resources import sample_dir, sample_series_dir
    from planner.imaging import load_path

    volume = load_path(sample_series_dir())
    labels = load_path(sample_dir() / "ground_truth" / "labels.nii.gz")
    if volume.shape_ijk != labels.shape_ijk:
        raise CheckFailed(f"sample grid {volume.shape_ijk} differs from its ground truth {labels.shape_ijk}")
    if not np.allclose(volume.spacing_mm, labels.spacing_mm, atol=1e-3):
        raise CheckFailed(f"sample spacing {volume.spacing_mm} differs from its ground truth {labels.spacing_mm}")
    state.volume = volume
    state.report["labels"] = labels
    i, j, k = volume.shape_ijk
    sx, sy, sz = volume.spacing_mm
    return f"sample loaded: {i}x{j}x{k} voxels of {sx:.3g}x{sy:.3g}x{sz:.3g} mm"


def check_canal(state: SelfTestState) -> str:
    from planner.anatomy.canal import segment_canal
    from planner.session.session import PlanningSession

    volume = state.volume
    session = PlanningSession()
    session.auto_evaluate = False
    session.set_volume(volume)
    mask = segment_canal(volume).mask
    session.set_canal(mask)
    state.session = session
    truth = np.isin(state.report.pop("labels").hu, GROUND_TRUTH_CANAL_LABELS)
    voxel_ml = float(np.prod(volume.spacing_mm)) / 1000.0
    dice = 2.0 * np.count_nonzero(mask & truth) / max(np.count_nonzero(mask) + np.count_nonzero(truth), 1)
    figure = (f"canal segmented: {np.count_nonzero(mask) * voxel_ml:.1f} mL "
              f"(ground truth {np.count_nonzero(truth) * voxel_ml:.1f} mL, Dice {dice:.3f})")
    if dice < MIN_CANAL_DICE:
        raise CheckFailed(f"{figure}; expected Dice >= {MIN_CANAL_DICE}")
    return figure


def check_analysis(state: SelfTestState) -> str:
    from planner.headless.analyze import analysis_report
    from planner.headless.demo import demo_plan

    session = state.session
    session.open_plan(demo_plan(session.plan.series))
    session.evaluate(corridors=True)
    report = analysis_report(session)
    state.report = report
    n_antennas = len(session.plan.antennas)
    zones = report["zones"]
    overlap_ml, coverage_pct = report["overlap_canal_ml"], report["target_coverage_pct"]
    if overlap_ml is None or coverage_pct is None:
        raise CheckFailed(f"the analysis gave no canal overlap ({overlap_ml}) or target coverage ({coverage_pct})")
    figure = f"zones: {len(zones)}, overlap {overlap_ml:.2f} mL, target coverage {coverage_pct:.1f} %"
    if len(zones) != n_antennas:
        raise CheckFailed(f"{figure}; expected one zone per antenna ({n_antennas})")
    if overlap_ml < 0 or any((z["volume_ml"] or 0) <= 0 for z in zones):
        raise CheckFailed(f"{figure}; zone or overlap volumes are not positive numbers")
    # each zone's volume against the closed form 4/3 pi a b c of its device table's diameters
    for zr in session.evaluation.zones:
        antenna = session.plan.get(zr.antenna_id)
        dims = session.devices.get(antenna.device_id).zone_dimensions(antenna.power_w, antenna.time_s)
        expected = 4 / 3 * np.pi * (dims.long_axis_mm / 2) * (dims.short_axis_mm / 2) ** 2 / 1000
        if abs(zr.zone.ellipsoid.volume_ml - expected) > 0.01 * expected:
            raise CheckFailed(f"{figure}; zone {antenna.name} is {zr.zone.ellipsoid.volume_ml:.2f} mL, the device "
                              f"table gives {expected:.2f} mL")
    # the overlap against an independent count: canal voxels whose centre lies in a zone
    independent = _centre_rule_overlap_ml(session)
    if abs(overlap_ml - independent) > max(0.05, 0.1 * independent):
        raise CheckFailed(f"{figure}; an independent voxel-centre count gives {independent:.2f} mL")
    return figure + f" (voxel-centre count {independent:.2f} mL)"


def _centre_rule_overlap_ml(session) -> float:
    """zone ∩ canal by counting canal voxels whose centre is inside a zone (a different rule from the
    analysis' partial-volume fractions; the two agree within the boundary voxels)."""
    canal = session.canal_mask
    kji = np.argwhere(canal)
    points = session.volume.to_lps(kji_to_ijk(kji).astype(float))
    inside = np.zeros(len(points), dtype=bool)
    for zone in session.evaluation.planned_zones:
        inside |= zone.ellipsoid.contains(points)
    return float(inside.sum()) * float(np.prod(session.volume.spacing_mm)) / 1000.0


def check_findings(state: SelfTestState) -> str:
    """The safety rules agree with the measurements: a zone reaching into the canal is a critical finding."""
    report = state.report
    codes = [f["code"] for f in report["findings"]]
    critical = [f["code"] for f in report["findings"] if f["severity"] == "critical"]
    figure = f"findings: {len(codes)} ({len(critical)} critical: {', '.join(critical) or 'none'})"
    if report["overlap_canal_ml"] > 0 and Code.CANAL_OVERLAP not in critical:
        raise CheckFailed(f"{figure}; the zones overlap the canal but no canal_overlap finding was raised")
    probe = _canal_probe(state.session)
    if not {Code.NEEDLE_ENTERS_CANAL, Code.CANAL_OVERLAP} <= probe:
        raise CheckFailed(f"{figure}; a needle driven through the canal with its zone inside it gave only "
                          f"{', '.join(sorted(probe)) or 'no'} critical findings (expected needle_enters_canal "
                          "and canal_overlap)")
    return figure + "; canal probe: " + ", ".join(sorted(probe))


def _canal_probe(session) -> set:
    """Critical codes for a plan built to reach the canal: a midline needle from the back straight through
    the segmented canal's centre, its antenna zone centred in the canal. The user's plan is put back."""
    from planner.plan.document import PlanDocument
    from planner.plan.items import Antenna, Needle
    from planner.plan.serialize import plan_from_dict, plan_to_dict

    original = plan_from_dict(plan_to_dict(session.plan, app_version=""))
    canal = session.canal_mask
    k = int(np.median(np.nonzero(canal.any(axis=(1, 2)))[0]))
    j, i = np.nonzero(canal[k])
    centre = session.volume.to_lps([float(i.mean()), float(j.mean()), float(k)])
    probe = PlanDocument(series=session.plan.series)
    # +y is posterior in LPS: the entry lies 60 mm behind the canal centre, the tip at the centre
    needle = Needle(tuple(centre + (0.0, 60.0, 0.0)), tuple(centre), side="midline", name="canal probe")
    probe.insert(needle)
    probe.insert(Antenna(needle_id=needle.id, extension_mm=0.0, power_w=30, time_s=210))
    session.open_plan(probe)
    try:
        evaluation = session.evaluate(corridors=True)
        return {f.code for f in evaluation.findings if f.severity.value == "critical"}
    finally:
        session.open_plan(original)
        session.evaluate(corridors=True)


def check_render(state: SelfTestState) -> str:
    from planner.render.mask_surfaces import MaskSurface
    from planner.render.offscreen import offscreen_render_window
    from planner.render.plan_actors import PlanActors
    from planner.render.plan_zones import ZoneActors
    from planner.render.scene3d import Scene3D, capture_array
    from planner.render.surfaces import bone_surface

    width, height = RENDER_SIZE_PX
    session = state.session
    scene = Scene3D()
    window = offscreen_render_window(width, height)
    window.AddRenderer(scene.renderer)
    background = capture_array(window)
    volume = session.volume
    scene.set_bone_surface(bone_surface(volume))
    items = PlanActors(scene.renderer, session.devices)
    items.update_from_plan(session.plan)
    zones = ZoneActors(scene.renderer)
    zones.update_from_evaluation(session.evaluation)
    canal = MaskSurface(scene.renderer, palette.unit(palette.CANAL), opacity=0.35)
    canal.set_mask(session.canal_mask, session.grid)
    scene.set_focus(*volume.bounds_lps)
    scene.camera_preset("P")
    image = capture_array(window)
    window.Finalize()
    if image.shape[:2] != (height, width):
        raise CheckFailed(f"3D render is {image.shape[1]}x{image.shape[0]}, expected {width}x{height}")
    drawn = np.abs(image.astype(np.int16) - background.astype(np.int16)).max(axis=2) > BACKGROUND_TOLERANCE
    n_drawn = int(np.count_nonzero(drawn))
    figure = (f"3D render: {width}x{height}, {n_drawn} non-background pixels ({100.0 * n_drawn / drawn.size:.1f} %), "
              f"{scene.bone_triangle_count()} bone triangles")
    if n_drawn < MIN_SCENE_FRACTION * drawn.size:
        raise CheckFailed(f"{figure}; expected at least {100 * MIN_SCENE_FRACTION:.0f} % (is EGL/OpenGL working?)")
    return figure


CHECKS: tuple[tuple[str, Callable[[SelfTestState], str]], ...] = (
    ("resources", check_resources),
    ("sample", check_sample),
    ("canal", check_canal),
    ("analysis", check_analysis),
    ("findings", check_findings),
    ("render", check_render),
)


def run_self_test(out: TextIO | None = None) -> int:
    """Run :data:`CHECKS` in order, one line each; 0 when all pass, 1 at the first failure."""
    out = out or sys.stdout
    from planner import __version__

    print(f"Spine Ablation Planner {__version__} self-test ({'bundle' if getattr(sys, 'frozen', False) else 'source'})",
          file=out, flush=True)
    state = SelfTestState()
    start = time.perf_counter()
    for name, check in CHECKS:
        t0 = time.perf_counter()
        try:
            line = check(state)
        except (CheckFailed, PlannerError) as exc:
            print(f"FAIL {name}: {exc}", file=out, flush=True)
            return 1
        except Exception as exc:  # noqa: BLE001 - the self-test reports every failure as a line, not a traceback
            print(f"FAIL {name}: {type(exc).__name__}: {exc}", file=out, flush=True)
            return 1
        print(f"ok   {line}  [{time.perf_counter() - t0:.1f} s]", file=out, flush=True)
    print(f"self-test passed: {len(CHECKS)} checks in {time.perf_counter() - start:.1f} s", file=out, flush=True)
    return 0
