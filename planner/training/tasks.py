"""Training cases and tasks: a series, a task in words, a hidden reference plan and pass thresholds.

On disk (docs/training.md) a case is a folder with ``case.json`` (``id``, ``title``, ``series``:
"sample" or a path) and one ``<task id>.task.json`` per task, each naming its reference plan (a plan
file, ``<task id>.plan.json``, next to it). The shipped sample case is ``resources/training/sample-l2``;
tasks a trainer saves from the app go to ``<user data>/training/<case id>/`` and are listed with it.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from planner.core.errors import LoadError, PlanError
from planner.core.resources import resource_path
from planner.plan.document import PlanDocument
from planner.plan.io import plan_to_json, read_plan

TASK_FORMAT = "spine-planner-training-task/1"
CASE_FORMAT = "spine-planner-training-case/1"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


@dataclass(frozen=True)
class PassThresholds:
    """What an attempt must achieve to pass (limits per task; defaults are the sample's usual ones).

    Breach grades are Gertzbein-Robbins (DOMAIN.md "Access geometry": grade 2 = 2-4 mm; a medial breach
    of 2 mm or more raises the neurological risk). ``min_canal_distance_mm`` is the zone-to-canal
    signed distance (negative inside the canal). ``max_time_s`` 0 means no time limit.
    """

    tip_error_mm: float = 5.0
    entry_error_mm: float = 10.0
    angle_error_deg: float = 10.0
    max_breach_grade: int = 1
    min_coverage_percent: float = 0.0
    min_canal_distance_mm: float = 0.0
    max_canal_overlap_ml: float = 0.0
    thermocouple_tip_error_mm: float = 6.0
    max_time_s: float = 900.0

    @classmethod
    def from_dict(cls, data: dict, where: str) -> "PassThresholds":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise LoadError(f"{where}: unknown thresholds {', '.join(unknown)} (known: {', '.join(sorted(known))})")
        values = {}
        for key, value in data.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise LoadError(f"{where}: threshold {key} must be a number, got {value!r}")
            values[key] = int(value) if key == "max_breach_grade" else float(value)
        return cls(**values)


@dataclass(frozen=True)
class TrainingTask:
    """One task of a case. ``reference_path`` is the hidden expert plan (never shown before Submit)."""

    id: str
    case_id: str
    title: str
    instructions: str
    level: str
    reference_path: Path
    thresholds: PassThresholds = field(default_factory=PassThresholds)
    author: str = ""
    source_path: Path | None = None

    def reference(self) -> PlanDocument:
        return read_plan(self.reference_path)


@dataclass(frozen=True)
class TrainingCase:
    id: str
    title: str
    series: str  # "sample" or a path
    folder: Path
    tasks: tuple[TrainingTask, ...]

    def task(self, task_id: str) -> TrainingTask:
        for task in self.tasks:
            if task.id == task_id:
                return task
        raise LoadError(f"The case {self.title} has no task '{task_id}'.")


def sample_case_dir() -> Path:
    return resource_path("training", "sample-l2")


def check_id(value: str, what: str = "task id") -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise PlanError(f"The {what} {value!r} must be 1-64 lower-case letters, digits or dashes.")
    return value


def _read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LoadError(f"{path} does not exist.", [path]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(f"{path} could not be read ({exc}).", [path]) from None
    except json.JSONDecodeError as exc:
        raise LoadError(f"{path.name} is not valid JSON (line {exc.lineno}: {exc.msg}).", [path]) from None
    if not isinstance(data, dict):
        raise LoadError(f"{path.name} must hold a JSON object.", [path])
    return data


def load_task(path, case_id: str) -> TrainingTask:
    path = Path(path)
    data = _read_json(path)
    if data.get("format") != TASK_FORMAT:
        raise LoadError(f"{path.name} is not a training task file (format {TASK_FORMAT}).", [path])
    try:
        task_id = check_id(data["id"])
        title, instructions, reference = str(data["title"]), str(data["instructions"]), str(data["reference"])
    except KeyError as exc:
        raise LoadError(f"{path.name}: the task needs {exc.args[0]}.", [path]) from None
    except PlanError as exc:
        raise LoadError(f"{path.name}: {exc}", [path]) from None
    thresholds = PassThresholds.from_dict(data.get("thresholds", {}), path.name)
    return TrainingTask(task_id, case_id, title, instructions, str(data.get("level", "")), path.parent / reference,
                        thresholds, str(data.get("author", "")), path)


def load_case(folder, extra_folders=()) -> TrainingCase:
    """A case folder's tasks, plus tasks saved for the same case in ``extra_folders`` (a later task
    with the id of an earlier one replaces it)."""
    folder = Path(folder)
    data = _read_json(folder / "case.json")
    if data.get("format") != CASE_FORMAT:
        raise LoadError(f"{folder / 'case.json'} is not a training case file (format {CASE_FORMAT}).")
    case_id = check_id(str(data.get("id", "")), "case id")
    tasks: dict[str, TrainingTask] = {}
    for place in (folder, *map(Path, extra_folders)):
        if place.is_dir():
            for path in sorted(place.glob("*.task.json")):
                task = load_task(path, case_id)
                tasks[task.id] = task
    return TrainingCase(case_id, str(data.get("title", case_id)), str(data.get("series", "sample")), folder,
                        tuple(tasks.values()))


def user_task_dir(user_data_dir, case_id: str) -> Path:
    """Where tasks a trainer saves for ``case_id`` go."""
    return Path(user_data_dir) / "training" / check_id(case_id, "case id")


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def task_to_dict(task: TrainingTask) -> dict:
    return {"format": TASK_FORMAT, "id": task.id, "title": task.title, "instructions": task.instructions,
            "level": task.level, "reference": task.reference_path.name, "author": task.author,
            "thresholds": asdict(task.thresholds)}


def save_task(folder, task: TrainingTask, reference: PlanDocument) -> TrainingTask:
    """Author a task: write ``<id>.plan.json`` (the reference plan) and ``<id>.task.json`` in ``folder``.

    The reference must hold at least one needle; PlanError otherwise (and when writing fails)."""
    check_id(task.id)
    if not reference.needles:
        raise PlanError("A reference plan needs at least one needle.")
    folder = Path(folder)
    plan_path, task_path = folder / f"{task.id}.plan.json", folder / f"{task.id}.task.json"
    saved = TrainingTask(task.id, task.case_id, task.title, task.instructions, task.level, plan_path,
                         task.thresholds, task.author, task_path)
    try:
        _atomic_write(plan_path, plan_to_json(reference))
        _atomic_write(task_path, json.dumps(task_to_dict(saved), indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise PlanError(f"The task could not be saved in {folder} ({exc.strerror or exc}).") from None
    return saved
