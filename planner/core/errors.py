"""The planner's own error types: each carries a message written for the user."""

from __future__ import annotations


class PlannerError(Exception):
    """Base of every error the planner raises on purpose; ``str(err)`` is shown to the user."""


class LoadError(PlannerError):
    """Input data (DICOM, NIfTI, NRRD, plan, device file) could not be read or is not supported.

    ``files`` names the files involved, so the message can point the user at them.
    """

    def __init__(self, message: str, files: tuple[str, ...] | list[str] = ()):
        super().__init__(message)
        self.files = tuple(str(f) for f in files)


class LoadCancelled(PlannerError):
    """The user cancelled a load; nothing was changed."""


class PlanError(PlannerError):
    """A plan file or a plan operation is invalid (wrong schema, wrong patient, bad value)."""


class OutOfRangeError(PlannerError):
    """A request falls outside the range a model or table covers (no silent extrapolation)."""
