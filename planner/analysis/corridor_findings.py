"""Safety findings from a needle's corridor report; the rule lives in :mod:`planner.analysis.rules.corridor`."""

from planner.analysis.rules.corridor import corridor_findings

__all__ = ["corridor_findings"]
