"""The status bar's level summary with the plan's own levels (issue 19).

The permanent label of :mod:`planner.ui.anatomy_job` said only what the automatic count found: on the
T11-T12 training task, whose plan holds the level T12 (inserted by
:meth:`planner.ui.training_panel.TrainingActions._begin`), it read "Levels: not named" although the
plan names T12. Here the plan's levels come first, then what the automatic count found:

- no level in the plan: the automatic summary unchanged ("Levels L1–L5 (auto)", "Levels: not named");
- plan levels, automatic count named nothing: "Level T12 (plan) · auto: not named", the tooltip saying
  the plan names it and why the count could not (the count's own reason, as before);
- plan levels and automatic names: "Level L2 (plan) · Levels L1–L5 (auto)";
- plan levels while the count runs: "Level T12 (plan)".

Plain strings, no Qt: the label's owner calls :func:`summary_with_plan_levels`.
"""

from __future__ import annotations

from collections.abc import Sequence

#: What the automatic summary says when it named nothing (:data:`planner.ui.anatomy_job.NOT_NAMED`).
AUTO_NOT_NAMED = "Levels: not named"
SEPARATOR = " · "


def plan_levels_text(names: Sequence[str]) -> str:
    """"Level T12 (plan)" / "Levels L2, L3 (plan)" for the plan's named levels, head to feet as given;
    "" when none is named."""
    named = [n for n in dict.fromkeys(names) if n]
    if not named:
        return ""
    return f"Level {named[0]} (plan)" if len(named) == 1 else f"Levels {', '.join(named)} (plan)"


def summary_with_plan_levels(auto_text: str, auto_tooltip: str, plan_names: Sequence[str],
                             source: str = "") -> tuple[str, str]:
    """(label text, tooltip) for the automatic summary ``auto_text`` / ``auto_tooltip`` and the plan's
    level names; ``source`` says who named the plan's levels ("the training task"), "" when unknown."""
    plan = plan_levels_text(plan_names)
    if not plan:
        return auto_text, auto_tooltip
    named = [n for n in dict.fromkeys(plan_names) if n]
    who = f" (named by {source})" if source else ""
    tip = f"{', '.join(named)}: the plan's level{'s' if len(named) > 1 else ''}{who}."
    if auto_text == AUTO_NOT_NAMED:
        text = plan + SEPARATOR + "auto: not named"
        tip += " The automatic count could not name the levels"
        tip += f": {auto_tooltip}" if auto_tooltip else "."
    elif auto_text:
        text = plan + SEPARATOR + auto_text
        tip += f" Automatic count: {auto_tooltip}" if auto_tooltip else ""
    else:
        text = plan
        tip += " The automatic count has not finished."
    return text, tip
