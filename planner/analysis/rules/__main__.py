"""Print docs/safety-rules.md from the rule table."""

from planner.analysis.rules.registry import rules_markdown

print(rules_markdown())
