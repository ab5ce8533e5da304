"""3D Slicer markups files (``.mrk.json``, schema markups-v1.0.3): export a plan, import trajectories.

Export (coordinates LPS mm, ``coordinateSystem: "LPS"``): each needle is a ``Line`` markup
(entry, tip); antenna tips, thermocouple tips and target centres are ``Fiducial`` point lists. The
planner's own fields (item id, gauge, level, approach, side, thermocouple entry, target shape and
size) stay inside the schema, so 3D Slicer keeps them when it re-saves the file: each control
point's ``description`` (a schema field Slicer stores per point) holds a readable text followed by
``planner {json}`` with that point's fields (:data:`MARKER`); the text saying where the plan comes
from goes there too (``plan``), not in keys outside the schema. Files written by earlier versions
(a markup-level ``planner`` object) still read back.

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
MARKER = " | planner "
_COLOURS = {"needle": [0.72, 0.75, 0.80], "antenna": [0.95, 0.55, 0.2], "thermocouple": [0.45, 0.7, 1.0],
            "target": [0.25, 0.85, 0.45]}


def _point(label: str, position, description: str = "", index: int = 0, fields: dict | None = None) -> dict:
    if fields:
        description = description + MARKER + json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return {"id": str(index + 1), "label": label, "description": description, "associatedNodeID": "",
            "position": [float(v) for v in position], "orientation": [-1.0, -0.0, -0.0, -0.0, -1.0, -0.0, 0.0, 0.0, 1.0],
            "selected": True, "locked": False, "visibility": True, "positionStatus": "defined"}


def _markup(kind: str, mtype: str, name: str, points: list[dict]) -> dict:
    return {"type": mtype, "coordinateSystem": "LPS", "coordinateUnits": "mm", "locked": False,
            "fixedNumberOfControlPoints": mtype == "Line", "labelFormat": "%N-%d", "name": name,
            "lastUsedControlPointNumber": len(points), "controlPoints": points,
            "measurements": [], "display": {"visibility": True, "opacity": 1.0, "color": _COLOURS[kind],
                                            "selectedColor": _COLOURS[kind], "glyphScale": 2.0, "textScale": 2.5}}


def point_fields(cp: dict) -> dict:
    """The planner fields stored in a control point's description (empty when there are none)."""
    text = cp.get("description") if isinstance(cp, dict) else None
    if not isinstance(text, str) or MARKER not in text:
        return {}
    try:
        value = json.loads(text.split(MARKER, 1)[1])
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def plan_to_markups(doc: PlanDocument, description: str = "") -> dict:
    """The markups JSON document of a plan. ``description`` goes into every markup (callers pass a
    de-identified text when asked; this function adds no patient data of its own)."""
    plan = doc
    origin = {"plan": description} if description else {}
    markups = []
    for needle in plan.needles:
        info = {"kind": "needle", "id": needle.id, "level": needle.level, "approach": needle.approach,
                "side": needle.side, "gauge": needle.gauge, **origin}
        points = [_point("entry", needle.entry_lps, f"{needle.gauge} needle entry", 0, info),
                  _point("tip", needle.tip_lps, index=1)]
        markups.append(_markup("needle", "Line", needle.name, points))
    antenna_points = [
        _point(a.name or "antenna", doc.antenna_tip_lps(a.id),
               f"{a.device_id}, {a.power_w:g} W, {a.time_s:g} s, needle {doc.get(a.needle_id).name}", i,
               {"kind": "antenna", "id": a.id, **origin})
        for i, a in enumerate(plan.antennas)]
    if antenna_points:
        markups.append(_markup("antenna", "Fiducial", "Antenna tips", antenna_points))
    if plan.thermocouples:
        points = [_point(t.name, t.tip_lps, f"alarm {t.alarm_c:g} °C, pre-alarm {t.prealarm_c:g} °C", i,
                         {"kind": "thermocouple", "id": t.id, "entry_lps": list(t.entry_lps), "gauge": t.gauge,
                          **origin})
                  for i, t in enumerate(plan.thermocouples)]
        markups.append(_markup("thermocouple", "Fiducial", "Thermocouple tips", points))
    if plan.targets:
        points = [_point(t.name, t.centre_lps, f"{t.kind}, semi-axes {', '.join(f'{v:g}' for v in t.semi_axes_mm)} mm", i,
                         {"kind": "target", "id": t.id, "shape": t.kind, "semi_axes_mm": list(t.semi_axes_mm),
                          "axes": [list(a) for a in t.axes], "level": t.level, **origin})
                  for i, t in enumerate(plan.targets)]
        markups.append(_markup("target", "Fiducial", "Targets", points))
    return {"@schema": SCHEMA_URL, "markups": markups}


def write_markups(doc: PlanDocument, path, description: str = "", staging=None) -> Path:
    """Write the plan as one ``.mrk.json`` file, atomically (:func:`planner.export.atomic.staged_write`;
    into ``staging`` when given, the caller commits); PlanError when it cannot be written."""
    from planner.export.atomic import staged_write

    path = Path(path)
    text = json.dumps(plan_to_markups(doc, description), indent=2, ensure_ascii=False, allow_nan=False)
    try:
        staged_write(path, lambda temp: temp.write_text(text + "\n", encoding="utf-8"), staging)
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


def _legacy(markup: dict) -> dict:
    """The markup-level ``planner`` object of files written before the fields moved into the schema."""
    return markup.get("planner") if isinstance(markup.get("planner"), dict) else {}


def _defined_points(markup: dict) -> list[dict]:
    return [cp for cp in (markup.get("controlPoints") or []) if isinstance(cp, dict)
            and cp.get("positionStatus", "defined") == "defined"]


def _line(markup: dict, where: str, out: ImportedMarkups) -> None:
    points = _positions(markup, where)
    if len(points) < 2:
        out.skipped.append(f"{where}: a line needs two points")
        return
    info = next((f for f in map(point_fields, _defined_points(markup)) if f.get("kind") == "needle"), None) \
        or _legacy(markup)
    extra = {k: info[k] for k in ("level", "approach", "side", "gauge") if isinstance(info.get(k), str)}
    out.needles.append(Needle(tuple(points[0][1]), tuple(points[-1][1]), name=str(markup.get("name") or "Needle"), **extra))


def _fiducials(markup: dict, where: str, out: ImportedMarkups) -> None:
    info = _legacy(markup)
    per_point = [point_fields(cp) for cp in _defined_points(markup)]
    guess = "thermocouple" if "thermo" in str(markup.get("name", "")).lower() else "target"
    kind = info.get("kind") or next((f["kind"] for f in per_point if f.get("kind")), None) or guess
    if kind == "antenna":
        out.skipped.append(f"{where}: antenna tips follow their needles and are not imported")
        return
    for index, (label, p) in enumerate(_positions(markup, where)):
        own = per_point[index] if index < len(per_point) else {}
        if kind == "thermocouple":
            entry = own.get("entry_lps", _stored(info, "entries_lps", index))
            entry = p + np.array([0.0, THERMOCOUPLE_ENTRY_OFFSET_MM, 0.0]) if entry is None else np.asarray(entry, float)
            out.thermocouples.append(Thermocouple(tuple(entry), tuple(p), name=label,
                                                  gauge=own.get("gauge", _stored(info, "gauges", index, "16G"))))
        else:
            semi = own.get("semi_axes_mm", _stored(info, "semi_axes_mm", index, [DEFAULT_TARGET_RADIUS_MM] * 3))
            shape = own.get("shape", _stored(info, "shapes", index, "sphere"))
            axes = own.get("axes", _stored(info, "axes", index))
            extra = {"axes": tuple(tuple(a) for a in axes)} if axes else {}
            out.targets.append(Target(tuple(p), kind=shape if shape in ("sphere", "ellipsoid") else "sphere",
                                      semi_axes_mm=tuple(semi),
                                      level=own.get("level", _stored(info, "levels", index, "")) or "",
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
