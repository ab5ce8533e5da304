"""Plan <-> plain dict (the JSON layout of schema version 2, described in docs/plan-format.md)."""

from __future__ import annotations

from typing import Any

from planner.core.errors import PlanError
from planner.plan.document import PlanDocument
from planner.plan.items import Antenna, Level, Needle, SeriesRef, Target, Thermocouple

FORMAT_NAME = "spine-ablation-plan"
SCHEMA_VERSION = 2


def _xyz(point) -> list[float]:
    return [float(v) for v in point]


def level_to_dict(level: Level) -> dict[str, Any]:
    lr, ap, cc = level.axes
    return {
        "id": level.id,
        "name": level.name,
        "body_centre": _xyz(level.body_centre_lps),
        "axes": {"left_right": _xyz(lr), "anterior_posterior": _xyz(ap), "cranio_caudal": _xyz(cc)},
        "mid_sagittal_plane": {"point": _xyz(level.plane_point_lps), "normal": _xyz(level.plane_normal)},
        "sins": None if level.sins is None else dict(level.sins),
        "body_depth_mm": level.body_depth_mm,
        "ctv_sectors": None if level.ctv_sectors is None else list(level.ctv_sectors),
        "locked": level.locked,
    }


def needle_to_dict(n: Needle) -> dict[str, Any]:
    return {
        "id": n.id,
        "name": n.name,
        "level": n.level,
        "approach": n.approach,
        "side": n.side,
        "gauge": n.gauge,
        "entry": _xyz(n.entry_lps),
        "tip": _xyz(n.tip_lps),
        "usable_length_mm": n.usable_length_mm,
        "locked": n.locked,
    }


def antenna_to_dict(a: Antenna) -> dict[str, Any]:
    return {
        "id": a.id,
        "name": a.name,
        "needle": a.needle_id,
        "device": a.device_id,
        "extension_mm": a.extension_mm,
        "power_w": a.power_w,
        "time_s": a.time_s,
        "cycles": a.cycles,
    }


def thermocouple_to_dict(t: Thermocouple) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": t.name,
        "entry": _xyz(t.entry_lps),
        "tip": _xyz(t.tip_lps),
        "alarm_c": t.alarm_c,
        "prealarm_c": t.prealarm_c,
        "gauge": t.gauge,
        "locked": t.locked,
    }


def target_to_dict(t: Target) -> dict[str, Any]:
    return {
        "id": t.id,
        "name": t.name,
        "kind": t.kind,
        "centre": _xyz(t.centre_lps),
        "semi_axes_mm": _xyz(t.semi_axes_mm),
        "axes": [_xyz(a) for a in t.axes],
        "mask": t.mask_ref,
        "level": t.level,
        "locked": t.locked,
    }


def plan_to_dict(doc: PlanDocument, app_version: str) -> dict[str, Any]:
    """The JSON-ready dict of a plan (schema version 2)."""
    s = doc.series
    return {
        "format": FORMAT_NAME,
        "schema_version": SCHEMA_VERSION,
        "app_version": app_version,
        "created": doc.created,
        "modified": doc.modified,
        "coordinate_system": "LPS",
        "units": "mm",
        "series": {
            "study_instance_uid": s.study_instance_uid,
            "series_instance_uid": s.series_instance_uid,
            "frame_of_reference_uid": s.frame_of_reference_uid,
            "patient_id_hash": s.patient_id_hash,
        },
        "levels": [level_to_dict(x) for x in doc.levels],
        "needles": [needle_to_dict(x) for x in doc.needles],
        "antennas": [antenna_to_dict(x) for x in doc.antennas],
        "thermocouples": [thermocouple_to_dict(x) for x in doc.thermocouples],
        "targets": [target_to_dict(x) for x in doc.targets],
    }


def _level(d: dict) -> Level:
    axes = d.get("axes")
    plane = d.get("mid_sagittal_plane") or {}
    return Level(
        id=d["id"],
        name=d["name"],
        body_centre_lps=d["body_centre"],
        axes=Level.axes if axes is None else (axes["left_right"], axes["anterior_posterior"], axes["cranio_caudal"]),
        plane_point_lps=plane.get("point"),
        plane_normal=plane.get("normal"),
        sins=d.get("sins"),
        locked=d.get("locked", False),
        body_depth_mm=d.get("body_depth_mm"),
        ctv_sectors=d.get("ctv_sectors"),
    )


def _needle(d: dict) -> Needle:
    extra = {k: d[k] for k in ("usable_length_mm", "locked") if k in d}
    return Needle(
        id=d["id"], name=d["name"], level=d["level"], approach=d["approach"], side=d["side"], gauge=d["gauge"],
        entry_lps=d["entry"], tip_lps=d["tip"], **extra,
    )


def _antenna(d: dict) -> Antenna:
    extra = {k: d[k] for k in ("cycles", "name") if k in d}
    return Antenna(
        id=d["id"], needle_id=d["needle"], device_id=d["device"], extension_mm=d["extension_mm"],
        power_w=d["power_w"], time_s=d["time_s"], **extra,
    )


def _thermocouple(d: dict) -> Thermocouple:
    extra = {k: d[k] for k in ("prealarm_c", "gauge", "locked") if k in d}
    return Thermocouple(id=d["id"], name=d["name"], entry_lps=d["entry"], tip_lps=d["tip"], alarm_c=d["alarm_c"], **extra)


def _target(d: dict) -> Target:
    extra = {k: d[k] for k in ("axes", "level", "locked") if k in d}
    return Target(
        id=d["id"], name=d["name"], kind=d["kind"], centre_lps=d["centre"], semi_axes_mm=d["semi_axes_mm"],
        mask_ref=d.get("mask", ""), **extra,
    )


_BUILDERS = (("levels", _level), ("needles", _needle), ("antennas", _antenna), ("thermocouples", _thermocouple), ("targets", _target))


def plan_from_dict(data: dict) -> PlanDocument:
    """Build a document from a schema-valid version-2 dict; item errors name their place in the file."""
    s = data["series"]
    series = SeriesRef(
        study_instance_uid=s["study_instance_uid"],
        series_instance_uid=s["series_instance_uid"],
        frame_of_reference_uid=s["frame_of_reference_uid"],
        patient_id_hash=s.get("patient_id_hash", ""),
    )
    doc = PlanDocument(series=series, created=data["created"], modified=data["modified"])
    for key, build in _BUILDERS:
        for index, entry in enumerate(data[key]):
            where = f"{key}[{index}]"
            try:
                doc.insert(build(entry))
            except PlanError as exc:
                raise PlanError(f"{where}: {exc}") from None
    return doc
