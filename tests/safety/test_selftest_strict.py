"""--self-test fails when what it names is broken (issue 15): a rule that stops firing is caught."""

import io

from planner.analysis.rules import Code
from planner.headless import selftest


def test_self_test_fails_when_the_canal_entry_rule_is_broken(monkeypatch):
    import planner.session.session as session_module

    real = session_module.run_rules

    def broken(inputs, only=None):  # the corridor rule "forgets" canal entries
        return [f for f in real(inputs, only) if f.code != Code.NEEDLE_ENTERS_CANAL]

    monkeypatch.setattr(session_module, "run_rules", broken)
    out = io.StringIO()
    assert selftest.run_self_test(out) == 1
    last = out.getvalue().strip().splitlines()[-1]
    assert last.startswith("FAIL findings:") and "needle_enters_canal" in last
