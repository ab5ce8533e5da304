"""3D Slicer markups files (``.mrk.json``, schema markups-v1.0.3): export a plan, import trajectories.

Export (coordinates LPS mm, ``coordinateSystem: "LPS"``): each needle is a ``Line`` markup
(entry, tip); antenna tips, thermocouple tips and target centres are ``Fiducial`` point lists. Each
markup carries a ``planner`` object (extra keys are allowed by the schema; Slicer ignores them) with
the item ids, gauges, thermocouple entries and target sizes, so a file written here reads back into
the same plan items.

Import: ``Line`` markups become needles (first point = entry, second = tip); files in ``RAS`` are
turned into LPS by negating x and y (DICOM PS3.3 C.7.6.2.1.1 vs. RAS). Fiducials become
thermocouple tips when their list says so (``planner.kind == "thermocouple"`` or a name containing
"thermo"), else targets (spheres). A thermocouple without a stored entry gets one 40 mm straight
posterior of its tip. Antenna-tip lists are skipped (antennas follow their needles).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from planner.core.errors import LoadError, PlanError
from planner.plan.document import PlanDocument
from planner.plan.items import Needle, Target, Thermocouple

SCHEMA_URL = "https://raw.githubusercontent.com/slicer/slicer/master/Modules/Loadable/Markups/Resources/Schema/markups-schema-v1.0.3.json#"
RAS_TO_LPS = np.array([-1.0, -1.0, 1.0])
DEFAULT_TARGET_RADIUS_MM = 10.0
THERMOCOUPLE_ENTRY_OFFSET_MM = 40.0
_COLOURS = {"needle": [0.72, 0.75, 0.80], "antenna": [0.95, 0.55, 0.2], "thermocouple": [0.45, 0.7, 1.0],
            "target": [0.25, 0.85, 0.45]}


def _point(label: str, position, description: str = "", index: int = 0) -> dict:
    return {"id": str(index + 1), "label": label, "description": description, "associatedNodeID": "",
            "position": [float(v) for v in position], "orientation": [-1.0, -0.0, -0.0, -0.0, -1.0, -0.0, 0.0, 0.0, 1.0],
            "selected": True, "locked": False, "visibility": True, "positionStatus": "defined"}


def _markup(kind: str, mtype: str, name: str, points: list[dict], planner: dict, description: str) -> dict:
    return {"type": mtype, "coordinateSystem": "LPS", "coordinateUnits": "mm", "locked": False,
            "fixedNumberOfControlPoints": mtype == "Line", "labelFormat": "%N-%d", "name": name,
            "description": description, "lastUsedControlPointNumber": len(points), "controlPoints": points,
            "measurements": [], "display": {"visibility": True, "opacity": 1.0, "color": _COLOURS[kind],
                                            "selectedColor": _COLOURS[kind], "glyphScale": 2.0, "textScale": 2.5},
            "planner": planner}


def plan_to_markups(doc: PlanDocument, description: str = "") -> dict:
    """The markups JSON document of a plan. ``description`` goes into every markup (callers pass a
    de-identified text when asked; this function adds no patient data of its own)."""
    plan = doc
    markups = []
    for needle in plan.needles:
        points = [_point("entry", needle.entry_lps, index=0), _point("tip", needle.tip_lps, index=1)]
        info = {"kind": "needle", "id": needle.id, "level": needle.level, "approach": needle.approach,
                "side": needle.side, "gauge": needle.gauge}
        markups.append(_markup("needle", "Line", needle.name, points, info, description))
    antenna_points = [
        _point(a.name or "antenna", doc.antenna_tip_lps(a.id),
               f"{a.device_id}, {a.power_w:g} W, {a.time_s:g} s, needle {doc.get(a.needle_id).name}", i)
        for i, a in enumerate(plan.antennas)]
    if antenna_points:
        markups.append(_markup("antenna", "Fiducial", "Antenna tips", antenna_points,
                               {"kind": "antenna", "ids": [a.id for a in plan.antennas]}, description))
    if plan.thermocouples:
        points = [_point(t.name, t.tip_lps, f"alarm {t.alarm_c:g} °C, pre-alarm {t.prealarm_c:g} °C", i)
                  for i, t in enumerate(plan.thermocouples)]
        info = {"kind": "thermocouple", "ids": [t.id for t in plan.thermocouples],
                "entries_lps": [list(t.entry_lps) for t in plan.thermocouples],
                "gauges": [t.gauge for t in plan.thermocouples]}
        markups.append(_markup("thermocouple", "Fiducial", "Thermocouple tips", points, info, description))
    if plan.targets:
        points = [_point(t.name, t.centre_lps, f"{t.kind}, semi-axes {', '.join(f'{v:g}' for v in t.semi_axes_mm)} mm", i)
                  for i, t in enumerate(plan.targets)]
        info = {"kind": "target", "ids": [t.id for t in plan.targets], "shapes": [t.kind for t in plan.targets],
                "semi_axes_mm": [list(t.semi_axes_mm) for t in plan.targets],
                "axes": [[list(a) for a in t.axes] for t in plan.targets], "levels": [t.level for t in plan.targets]}
        markups.append(_markup("target", "Fiducial", "Targets", points, info, description))
    return {"@schema": SCHEMA_URL, "markups": markups}


def write_markups(doc: PlanDocument, path, description: str = "") -> Path:
    """Write the plan as one ``.mrk.json`` file; PlanError when it cannot be written."""
    path = Path(path)
    text = json.dumps(plan_to_markups(doc, description), indent=2, ensure_ascii=False, allow_nan=False)
    try:
        path.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise PlanError(f"The markups file could not be written to {path} ({exc.strerror or exc}).") from None
    return path


@dataclass
class ImportedMarkups:
    """Plan items read from a markups file, ready to add to a plan (one undo step)."""

    needles: list[Needle] = field(default_factory=list)
    thermocouples: list[Thermocouple] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def items(self) -> list:
        return [*self.needles, *self.thermocouples, *self.targets]


def _positions(markup: dict, where: str) -> list[tuple[str, np.ndarray]]:
    system = markup.get("coordinateSystem", "LPS")
    if system not in ("LPS", "RAS"):
        raise PlanError(f"{where}: unknown coordinate system {system!r} (expected LPS or RAS).")
    units = markup.get("coordinateUnits", "mm")
    scale = 0.001 if units == "um" else 1.0
    out = []
    for index, cp in enumerate(markup.get("controlPoints") or []):
        if cp.get("positionStatus", "defined") != "defined":
            continue
        pos = cp.get("position")
        if not isinstance(pos, list) or len(pos) != 3 or not all(isinstance(v, (int, float)) for v in pos):
            raise PlanError(f"{where}.controlPoints[{index}].position: expected 3 numbers.")
        p = np.asarray(pos, dtype=float) * scale
        out.append((str(cp.get("label") or f"point {index + 1}"), p * RAS_TO_LPS if system == "RAS" else p))
    return out


def _stored(info: dict, key: str, index: int, default=None):
    values = info.get(key)
    return values[index] if isinstance(values, list) and index < len(values) else default


def _line(markup: dict, where: str, out: ImportedMarkups) -> None:
    points = _positions(markup, where)
    if len(points) < 2:
        out.skipped.append(f"{where}: a line needs two points")
        return
    info = markup.get("planner") if isinstance(markup.get("planner"), dict) else {}
    extra = {k: info[k] for k in ("level", "approach", "side", "gauge") if isinstance(info.get(k), str)}
    out.needles.append(Needle(tuple(points[0][1]), tuple(points[-1][1]), name=str(markup.get("name") or "Needle"), **extra))


def _fiducials(markup: dict, where: str, out: ImportedMarkups) -> None:
    info = markup.get("planner") if isinstance(markup.get("planner"), dict) else {}
    kind = info.get("kind") or ("thermocouple" if "thermo" in str(markup.get("name", "")).lower() else "target")
    if kind == "antenna":
        out.skipped.append(f"{where}: antenna tips follow their needles and are not imported")
        return
    for index, (label, p) in enumerate(_positions(markup, where)):
        if kind == "thermocouple":
            entry = _stored(info, "entries_lps", index)
            entry = p + np.array([0.0, THERMOCOUPLE_ENTRY_OFFSET_MM, 0.0]) if entry is None else np.asarray(entry, float)
            out.thermocouples.append(Thermocouple(tuple(entry), tuple(p), name=label,
                                                  gauge=_stored(info, "gauges", index, "16G")))
        else:
            semi = _stored(info, "semi_axes_mm", index, [DEFAULT_TARGET_RADIUS_MM] * 3)
            shape = _stored(info, "shapes", index, "sphere")
            axes = _stored(info, "axes", index)
            extra = {"axes": tuple(tuple(a) for a in axes)} if axes else {}
            out.targets.append(Target(tuple(p), kind=shape if shape in ("sphere", "ellipsoid") else "sphere",
                                      semi_axes_mm=tuple(semi), level=_stored(info, "levels", index, "") or "",
                                      name=label, **extra))


def markups_to_items(data: dict) -> ImportedMarkups:
    """Plan items from a parsed markups document (new ids: importing never overwrites plan items)."""
    if not isinstance(data, dict) or not isinstance(data.get("markups"), list):
        raise PlanError("This is not a 3D Slicer markups file (no 'markups' list).")
    out = ImportedMarkups()
    for index, markup in enumerate(data["markups"]):
        where = f"markups[{index}]"
        if not isinstance(markup, dict):
            raise PlanError(f"{where}: expected an object.")
        mtype = markup.get("type")
        try:
            if mtype == "Line":
                _line(markup, where, out)
            elif mtype == "Fiducial":
                _fiducials(markup, where, out)
            else:
                out.skipped.append(f"{where}: {mtype} markups are not plan items")
        except PlanError as exc:
            raise PlanError(f"{where} ({markup.get('name', '')}): {exc}") from None
    return out


def read_markups(path) -> ImportedMarkups:
    """Read a ``.mrk.json`` file into plan items; LoadError/PlanError with a clear reason."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(f"The markups file {path} could not be read: {exc}", files=[path]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanError(f"{path.name} is not valid JSON (line {exc.lineno}: {exc.msg}).") from None
    return markups_to_items(data)
