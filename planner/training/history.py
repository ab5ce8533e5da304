"""A trainee's attempt history: one JSON file per trainee in a user data folder, so progress over
attempts can be shown. Files are rewritten atomically (temporary file + rename)."""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from planner.core.errors import LoadError
from planner.training.scoring import Score, shown_points
from planner.training.tasks import _atomic_write

HISTORY_FORMAT = "spine-planner-training-history/1"


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _clean(value):
    return None if isinstance(value, float) and not math.isfinite(value) else value


@dataclass(frozen=True)
class AttemptRecord:
    case_id: str
    task_id: str
    submitted: str
    elapsed_s: float
    total: float
    passed: bool
    criteria: list[dict] = field(default_factory=list)
    feedback: list[str] = field(default_factory=list)

    @classmethod
    def from_score(cls, case_id: str, score: Score, feedback: list[str]) -> "AttemptRecord":
        criteria = [{"key": c.key, "label": c.label, "value": _clean(c.value), "limit": c.limit,
                     "unit": c.unit, "passed": c.passed} for c in score.criteria]
        return cls(case_id, score.task_id, _now(), round(score.elapsed_s, 1), round(score.total, 1), score.passed,
                   criteria, list(feedback))


@dataclass(frozen=True)
class ProgressPoint:
    attempt: int  # 1-based, per task
    submitted: str
    total: float
    passed: bool
    change: float | None  # points since the previous attempt at the task


def trainee_file_name(trainee: str) -> str:
    """A safe file name for a trainee's name (letters, digits, dash, underscore, dot)."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", trainee.strip()).strip("._")
    if not name:
        raise LoadError("Enter the trainee's name (letters or digits) to keep the attempt history.")
    return f"{name[:64]}.json"


class AttemptHistory:
    """The attempts of one trainee, kept in ``<user data dir>/training-history/<trainee>.json``."""

    def __init__(self, user_data_dir, trainee: str):
        self.trainee = trainee.strip()
        self.path = Path(user_data_dir) / "training-history" / trainee_file_name(trainee)
        self.records: list[AttemptRecord] = self._load()

    def _load(self) -> list[AttemptRecord]:
        if not self.path.exists():
            return []
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if data.get("format") != HISTORY_FORMAT:
                raise ValueError("not a training history file")
            return [AttemptRecord(**r) for r in data["attempts"]]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise LoadError(f"The attempt history {self.path} could not be read ({exc}); move it away to start "
                            "a new one.", [self.path]) from None

    def add(self, record: AttemptRecord) -> None:
        """Append one attempt and save the file."""
        self.records.append(record)
        data = {"format": HISTORY_FORMAT, "trainee": self.trainee, "attempts": [asdict(r) for r in self.records]}
        try:
            _atomic_write(self.path, json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
        except OSError as exc:
            self.records.pop()
            raise LoadError(f"The attempt could not be saved to {self.path} ({exc.strerror or exc}).") from None

    def attempts(self, task_id: str | None = None, case_id: str | None = None) -> list[AttemptRecord]:
        return [r for r in self.records
                if (task_id is None or r.task_id == task_id) and (case_id is None or r.case_id == case_id)]

    def progress(self, task_id: str, case_id: str | None = None) -> list[ProgressPoint]:
        out, previous = [], None
        for n, r in enumerate(self.attempts(task_id, case_id), start=1):
            out.append(ProgressPoint(n, r.submitted, r.total, r.passed,
                                     None if previous is None else round(r.total - previous, 1)))
            previous = r.total
        return out

    def progress_lines(self, task_id: str, case_id: str | None = None) -> list[str]:
        points = self.progress(task_id, case_id)
        if not points:
            return ["No attempts at this task yet."]
        lines, shown = [], None
        for p in points:  # the change between the points as shown (not the shown change of the totals)
            change = "" if shown is None else f" ({shown_points(p.total) - shown:+d})"
            shown = shown_points(p.total)
            lines.append(f"Attempt {p.attempt} ({p.submitted[:16].replace('T', ' ')}): {shown}/100"
                         f"{change} {'pass' if p.passed else 'not passed'}")
        best = max(points, key=lambda p: p.total)
        passed = sum(p.passed for p in points)
        lines.append(f"Best: {shown_points(best.total)}/100 at attempt {best.attempt}; passed {passed} "
                     f"of {len(points)}.")
        return lines
