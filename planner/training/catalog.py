"""Every training task the app lists: the cases shipped in ``resources/training/`` (the synthetic sample
and the shared real scans), plus the tasks trainers saved for them, each with where its series is (or
why it is unavailable) and the scan's attribution. Qt-free; the training panel shows it."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from pathlib import Path

from planner.core.errors import PlannerError
from planner.core.resources import resource_path, sample_series_dir
from planner.training.shared_data import SeriesLocation, locate_series
from planner.training.tasks import TrainingCase, TrainingTask, load_case, sample_case_dir, user_task_dir


def case_folders() -> list[Path]:
    """The shipped case folders (each with a ``case.json``), the synthetic sample's first."""
    root = resource_path("training")
    found = sorted(p for p in root.iterdir() if (p / "case.json").is_file()) if root.is_dir() else []
    sample = sample_case_dir()
    return sorted(found, key=lambda p: (p.resolve() != sample.resolve(), p.name))


def case_location(case: TrainingCase) -> SeriesLocation:
    if case.series == "sample":
        path = sample_series_dir()
        return SeriesLocation(path) if path.is_dir() else SeriesLocation(None, f"the sample series {path} is missing")
    return locate_series(case.series, case.folder)


@dataclass(frozen=True)
class TaskEntry:
    case: TrainingCase
    task: TrainingTask
    location: SeriesLocation

    def label(self) -> str:
        return self.task.title if self.location.available else f"{self.task.title} (unavailable)"

    def summary_html(self) -> str:
        head = f"<b>{escape(self.task.title)}</b> - {escape(self.case.title)}"
        if not self.location.available:
            return f"{head}<br><i>Unavailable: {escape(self.location.reason)}.</i>"
        return f"{head}<br>{escape(self.task.instructions)}<br>Press Start."

    def attribution_text(self) -> str:
        """The scan's SOURCE.txt in words (licence and citation), or that the sample is synthetic."""
        a = self.location.attribution
        if a is None:
            return "Synthetic phantom made by planner.phantom: not a patient." if self.case.series == "sample" else ""
        return "Images: " + a.text()

    def attribution_short(self) -> str:
        """The scan and its licence in a line or two (the panel's label: the whole SOURCE.txt took about 230 px
        and pushed the feedback down to five lines, screenshot round of issue 19); :meth:`attribution_text`
        stays one hover away."""
        a = self.location.attribution
        if a is None:
            return self.attribution_text()
        return f"Images: {a.short()} (hover for the origin and the citation)"


def load_entries(case_dirs, user_data_dir) -> tuple[dict[str, TrainingCase], dict[str, TaskEntry], list[str]]:
    """(cases by id, entries by task id in list order, error messages of cases that could not be read)."""
    cases: dict[str, TrainingCase] = {}
    entries: dict[str, TaskEntry] = {}
    errors: list[str] = []
    for folder in case_dirs:
        try:
            case = load_case(folder)
            case = load_case(folder, [user_task_dir(user_data_dir, case.id)])
        except PlannerError as exc:
            errors.append(str(exc))
            continue
        cases[case.id] = case
        location = case_location(case)
        for task in case.tasks:
            entries.setdefault(task.id, TaskEntry(case, task, location))
    return cases, entries, errors
