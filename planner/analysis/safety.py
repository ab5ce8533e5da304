"""Safety rules, kept importable from here; each rule lives in :mod:`planner.analysis.rules` (one module
per rule, one table with codes, severities, thresholds and sources)."""

from planner.analysis.rules.canal import canal_findings
from planner.analysis.rules.coverage import coverage_findings
from planner.analysis.rules.prediction import prediction_caveat
from planner.analysis.rules.thermocouple import thermocouple_findings

__all__ = ["canal_findings", "coverage_findings", "prediction_caveat", "thermocouple_findings"]
