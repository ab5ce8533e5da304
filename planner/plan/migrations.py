"""Upgrading older plan files to the current schema version, one version step at a time.

Version 1 (the first layout, read-only now) differed from version 2 in that:

* points were objects ``{"x": .., "y": .., "z": ..}`` instead of ``[x, y, z]`` lists;
* a needle's gauge was a bare number (``13``) instead of text (``"13G"``);
* targets were spheres only, with ``radius_mm`` instead of ``kind`` and ``semi_axes_mm``;
* levels had only ``id``, ``name`` and ``body_centre``;
* there were no ``coordinate_system``/``units`` keys (always LPS mm), and the save time was one key
  ``saved`` instead of ``created``/``modified``.

A migration takes the dict of version N (already checked against that version's schema) and returns
the dict of version N+1; :func:`migrate` chains them up to :data:`CURRENT_VERSION`.
"""

from __future__ import annotations

import copy
from typing import Any, Callable

from planner.core.errors import PlanError
from planner.plan.serialize import SCHEMA_VERSION
from planner.plan.validation import validate_schema

CURRENT_VERSION = SCHEMA_VERSION

_XYZ = {
    "type": "object",
    "required": ["x", "y", "z"],
    "additionalProperties": False,
    "properties": {"x": {"type": "number"}, "y": {"type": "number"}, "z": {"type": "number"}},
}


def _obj(required: list[str], properties: dict) -> dict:
    return {"type": "object", "required": required, "properties": properties}


SCHEMA_V1: dict = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["format", "schema_version", "series", "needles", "antennas", "thermocouples", "targets", "levels"],
    "properties": {
        "format": {"const": "spine-ablation-plan"},
        "schema_version": {"const": 1},
        "saved": {"type": "string"},
        "app_version": {"type": "string"},
        "series": {"type": "object"},
        "needles": {
            "type": "array",
            "items": _obj(
                ["id", "name", "level", "approach", "side", "gauge", "entry", "tip"],
                {"gauge": {"enum": [10, 11, 13, 16]}, "entry": _XYZ, "tip": _XYZ},
            ),
        },
        "antennas": {"type": "array", "items": _obj(["id", "needle", "device", "extension_mm", "power_w", "time_s"], {})},
        "thermocouples": {
            "type": "array",
            "items": _obj(["id", "name", "entry", "tip", "alarm_c"], {"entry": _XYZ, "tip": _XYZ}),
        },
        "targets": {
            "type": "array",
            "items": _obj(["id", "name", "centre", "radius_mm"], {"centre": _XYZ, "radius_mm": {"type": "number"}}),
        },
        "levels": {"type": "array", "items": _obj(["id", "name", "body_centre"], {"body_centre": _XYZ})},
    },
}


def _point(p: dict) -> list[float]:
    return [p["x"], p["y"], p["z"]]


def migrate_v1_to_v2(old: dict) -> dict:
    """Version 1 -> 2 (see the module docstring for the differences)."""
    validate_schema(old, SCHEMA_V1)
    saved = old.get("saved", "unknown")
    series = old["series"]
    new: dict[str, Any] = {
        "format": "spine-ablation-plan",
        "schema_version": 2,
        "app_version": old.get("app_version", "unknown"),
        "created": saved,
        "modified": saved,
        "coordinate_system": "LPS",
        "units": "mm",
        "series": {k: series.get(k, "") for k in ("study_instance_uid", "series_instance_uid", "frame_of_reference_uid")},
        "levels": [{"id": v["id"], "name": v["name"], "body_centre": _point(v["body_centre"])} for v in old["levels"]],
        "needles": [],
        "antennas": [copy.deepcopy(a) for a in old["antennas"]],
        "thermocouples": [],
        "targets": [],
    }
    for n in old["needles"]:
        n2 = {**copy.deepcopy(n), "gauge": f"{n['gauge']}G", "entry": _point(n["entry"]), "tip": _point(n["tip"])}
        new["needles"].append(n2)
    for t in old["thermocouples"]:
        new["thermocouples"].append({**copy.deepcopy(t), "entry": _point(t["entry"]), "tip": _point(t["tip"])})
    for t in old["targets"]:
        r = t["radius_mm"]
        new["targets"].append(
            {"id": t["id"], "name": t["name"], "kind": "sphere", "centre": _point(t["centre"]), "semi_axes_mm": [r, r, r]}
        )
    return new


#: version -> function upgrading a dict of that version by one step.
MIGRATIONS: dict[int, Callable[[dict], dict]] = {1: migrate_v1_to_v2}


def file_version(data: Any) -> int:
    """The schema version a plan dict declares; PlanError when it is not a plan or the version is unknown."""
    if not isinstance(data, dict) or data.get("format") != "spine-ablation-plan":
        raise PlanError("This file is not a spine ablation plan (its 'format' is not 'spine-ablation-plan').")
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise PlanError(f"schema_version: expected a whole number, got {version!r}")
    if version > CURRENT_VERSION:
        raise PlanError(
            f"This plan was saved in format version {version} by a newer planner; this planner reads "
            f"versions 1 to {CURRENT_VERSION}. Update the planner to open it."
        )
    if version != CURRENT_VERSION and version not in MIGRATIONS:
        raise PlanError(f"Plan format version {version} is unknown; this planner reads versions 1 to {CURRENT_VERSION}.")
    return version


def migrate(data: dict) -> tuple[dict, int]:
    """Upgrade to the current version; returns (dict, version the file had)."""
    original = file_version(data)
    version = original
    while version < CURRENT_VERSION:
        data = MIGRATIONS[version](data)
        version += 1
    return data, original
