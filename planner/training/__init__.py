"""Training mode: cases (a series + tasks + hidden expert reference plans), scoring an attempt against
the reference, feedback in words, and a trainee's attempt history. Qt-free (docs/training.md)."""

from planner.training.compare import NeedleComparison, Offset, match_needles, match_thermocouples
from planner.training.feedback import feedback_lines, offset_words
from planner.training.grading import Grade, evaluate_for_scoring, grade_attempt, scoring_document
from planner.training.history import AttemptHistory, AttemptRecord
from planner.training.scoring import Criterion, Score, score_attempt
from planner.training.tasks import (PassThresholds, TrainingCase, TrainingTask, load_case, sample_case_dir,
                                    save_task, user_task_dir)

__all__ = [
    "AttemptHistory", "AttemptRecord", "Criterion", "Grade", "NeedleComparison", "Offset", "PassThresholds",
    "Score", "TrainingCase", "TrainingTask", "evaluate_for_scoring", "feedback_lines", "grade_attempt",
    "load_case", "match_needles", "match_thermocouples", "offset_words", "sample_case_dir", "save_task",
    "score_attempt", "scoring_document", "user_task_dir",
]
