"""Headless commands for scripts and QA: ``python -m planner analyze|export|scenario ...``."""

import sys


def error_exit(exc: BaseException, hint: str = "") -> int:
    """Print a failure for the user (never a traceback) and return the exit code 2."""
    if isinstance(exc, OSError):
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}{hint}", file=sys.stderr)
    else:
        print(f"error: {exc}{hint}", file=sys.stderr)
    return 2
