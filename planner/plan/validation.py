"""Checks a plan file's content: JSON Schema (draft 2020-12) plus rules a schema cannot express.

Every problem becomes a :class:`PlanError` whose message starts with where it is in the file, e.g.
``needles[1].tip: expected 3 numbers, got 2``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Iterable

from planner.core.errors import PlanError
from planner.plan.schema import build_plan_schema

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

_JSON_TYPES = {bool: "true/false", int: "a number", float: "a number", str: "text", list: "a list", dict: "an object"}


def plan_schema() -> dict:
    """The plan JSON Schema, built from the item declarations (:mod:`planner.plan.schema`)."""
    return build_plan_schema()


def json_path(parts: Iterable[Any]) -> str:
    """``["needles", 1, "tip"]`` -> ``"needles[1].tip"``."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    return _JSON_TYPES.get(type(value), type(value).__name__)


def _message(error: ValidationError) -> str:
    v, inst, sch = error.validator, error.instance, error.validator_value
    if v in ("minItems", "maxItems") and isinstance(inst, list) and error.schema.get("minItems") == error.schema.get("maxItems"):
        noun = "numbers" if error.schema.get("items", {}).get("type") == "number" else "entries"
        return f"expected {error.schema['minItems']} {noun}, got {len(inst)}"
    if v == "maxItems":
        return f"at most {sch} entries allowed, got {len(inst)}"
    if v == "required":
        missing = [k for k in sch if isinstance(inst, dict) and k not in inst]
        return f"missing required key {', '.join(repr(k) for k in missing)}"
    if v == "additionalProperties" and isinstance(inst, dict):
        allowed = set(error.schema.get("properties", {}))
        extra = sorted(k for k in inst if k not in allowed)
        return f"unknown key {', '.join(repr(k) for k in extra)}"
    if v == "type":
        wanted = sch if isinstance(sch, str) else " or ".join(sch)
        return f"expected {wanted}, got {_describe(inst)}"
    if v == "enum":
        return f"{inst!r} is not one of {', '.join(repr(x) for x in sch)}"
    if v == "const":
        return f"expected {sch!r}, got {inst!r}"
    if v in ("minimum", "exclusiveMinimum"):
        return f"must be {'greater than' if v == 'exclusiveMinimum' else 'at least'} {sch}, got {inst}"
    if v == "minLength":
        return "must not be empty"
    return error.message


def _leaf(error: ValidationError) -> ValidationError:
    from jsonschema.exceptions import best_match  # imported on first use (start-up time)

    while error.context:
        error = best_match(error.context)
    return error


def validate_schema(data: Any, schema: dict | None = None) -> None:
    """Raise PlanError naming the first schema problem (by position in the file)."""
    from jsonschema import Draft202012Validator  # imported on first use (start-up time)

    validator = Draft202012Validator(schema if schema is not None else plan_schema())
    errors = [_leaf(e) for e in validator.iter_errors(data)]
    if not errors:
        return
    errors.sort(key=lambda e: (json_path(e.absolute_path), e.validator != "required"))
    first = errors[0]
    more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    raise PlanError(f"{json_path(first.absolute_path)}: {_message(first)}{more}")


def check_finite(data: Any, path: tuple = ()) -> None:
    """Raise PlanError at the first NaN or infinite number (JSON has no such values)."""
    if isinstance(data, float) and not math.isfinite(data):
        raise PlanError(f"{json_path(path)}: expected a finite number, got {data!r}")
    if isinstance(data, dict):
        for key, value in data.items():
            check_finite(value, path + (key,))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            check_finite(value, path + (index,))


def check_references(data: dict) -> None:
    """Ids unique across the plan, antennas point at existing needles (one each), level names unique."""
    seen: dict[str, str] = {}
    for key in ("levels", "needles", "antennas", "thermocouples", "targets"):
        for index, item in enumerate(data[key]):
            where = f"{key}[{index}]"
            if item["id"] in seen:
                raise PlanError(f"{where}.id: {item['id']!r} is already used by {seen[item['id']]}")
            seen[item["id"]] = where
    needle_ids = {n["id"] for n in data["needles"]}
    holders: dict[str, int] = {}
    for index, antenna in enumerate(data["antennas"]):
        if antenna["needle"] not in needle_ids:
            raise PlanError(f"antennas[{index}].needle: no needle has the id {antenna['needle']!r}")
        if antenna["needle"] in holders:
            raise PlanError(
                f"antennas[{index}].needle: needle {antenna['needle']!r} already holds antennas[{holders[antenna['needle']]}]"
            )
        holders[antenna["needle"]] = index
    names: dict[str, int] = {}
    for index, level in enumerate(data["levels"]):
        if level["name"] in names:
            raise PlanError(f"levels[{index}].name: level {level['name']} already appears as levels[{names[level['name']]}]")
        names[level["name"]] = index


def validate_plan_dict(data: Any) -> None:
    """Full check of a version-2 plan dict: finite numbers, schema, references."""
    check_finite(data)
    validate_schema(data)
    check_references(data)
