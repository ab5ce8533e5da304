"""Scenario files: what a QA scenario says, parsed into plain records (docs/scenarios.md).

A scenario is a mapping with ``name``, optional ``description``, ``series`` ("sample" or a path,
relative paths resolved against the scenario file's folder) and ``steps``: a list of one-key
mappings such as ``{"add_needle": {...}}``; what each step takes is its entry in the table of step
types (:mod:`planner.scenarios.step_types`). Files are JSON (``.json``) or YAML (``.yaml``/``.yml``).
Every problem is a :class:`ScenarioError` naming the file and the step.
"""

from __future__ import annotations

import json
from pathlib import Path

FORMAT_SUFFIXES = (".json", ".yaml", ".yml")
from planner.scenarios.records import (  # noqa: F401  (the records are imported from here too)
    FindingSpec, NumberSpec, Scenario, ScenarioError, Step, fail as _fail,
)
from planner.scenarios.step_types import STEP_TYPES


def scenario_from_dict(data, source: str = "scenario", base_dir: Path | None = None) -> Scenario:
    """Check and convert the parsed content of a scenario file."""
    if not isinstance(data, dict):
        raise _fail(source, "a scenario must be a mapping with name, series and steps")
    unknown = sorted(set(data) - {"name", "description", "series", "steps", "tags"})
    if unknown:
        raise _fail(source, f"unknown top-level keys {', '.join(unknown)}")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise _fail(source, "'name' must be a non-empty text")
    series = data.get("series", "sample")
    if not isinstance(series, str) or not series:
        raise _fail(source, "'series' must be 'sample' or a path")
    if series != "sample":
        p = Path(series).expanduser()
        series = str(p if p.is_absolute() or base_dir is None else (base_dir / p).resolve())
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise _fail(source, "'steps' must be a non-empty list")
    steps = []
    for n, raw in enumerate(raw_steps, start=1):
        where = f"{source}, step {n}"
        if not isinstance(raw, dict) or len(raw) != 1:
            raise _fail(where, f"each step is a mapping with one key (one of {', '.join(STEP_TYPES)})")
        (kind, args), = raw.items()
        if kind not in STEP_TYPES:
            raise _fail(where, f"unknown step '{kind}' (known: {', '.join(STEP_TYPES)})")
        steps.append(Step(kind, STEP_TYPES[kind].parse(kind, args, where), n))
    tags = data.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise _fail(source, "'tags' must be a list of texts")
    return Scenario(name, str(data.get("description", "")), series, tuple(steps), tags=tuple(tags))


def _parse_text(text: str, suffix: str, source: str):
    if suffix == ".json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise _fail(source, f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    import yaml

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise _fail(source, f"not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None


def load_scenario(path) -> Scenario:
    """Read and check one scenario file (.json, .yaml or .yml)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMAT_SUFFIXES:
        raise ScenarioError(f"{path.name}: a scenario file ends in .json, .yaml or .yml")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc})") from None
    data = _parse_text(text, suffix, path.name)
    scenario = scenario_from_dict(data, path.name, path.parent)
    return Scenario(scenario.name, scenario.description, scenario.series, scenario.steps, path.resolve(),
                    scenario.tags)


def scenario_files(folder) -> list[Path]:
    """The scenario files directly in ``folder``, sorted by name."""
    return sorted(p for p in Path(folder).iterdir() if p.suffix.lower() in FORMAT_SUFFIXES and p.is_file())
