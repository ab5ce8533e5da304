"""Safety rules: one module per rule, one table (:mod:`.registry`), one list of codes (:mod:`.codes`).

``python3 -m planner.analysis.rules`` prints ``docs/safety-rules.md``.
"""

from planner.analysis.rules.codes import Code
from planner.analysis.rules.registry import (Rule, RuleInputs, RuleSpec, all_rules, display_state,
                                             rules_markdown, run_rules, spec_for)

__all__ = ["Code", "Rule", "RuleInputs", "RuleSpec", "all_rules", "display_state", "rules_markdown",
           "run_rules", "spec_for"]
