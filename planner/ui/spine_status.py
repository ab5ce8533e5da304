"""The one-line status-bar form of the automatic vertebrae's message (issue 19).

The search's message (:class:`~planner.anatomy.spine.SpineResult`) explains itself in two or three
sentences; on the T11-T12 scan it is 240 characters, about 1500 px, which no status bar 1280 px wide
shows (it was cut off with "…"). The status bar shows its headline, what the search concluded, and keeps
the whole message as the bar's tooltip (and the level summary's): the levels named and how ("... named by
counting from the last rib-bearing vertebra (T12) only"), or that they are not and why, in the message's
own words up to its first explanation (": ", "; ", the end of the first sentence and, for levels not
named, " ("). A message that has no such break is shown whole.
"""

from __future__ import annotations

import re

#: Where a message's headline ends: the first explanation or the end of the first sentence; a bracket
#: too when no level is named (the names' message keeps its "(T12) only", which says how sure it is).
_BREAK = re.compile(r": |; |\. ")
_BREAK_NOT_NAMED = re.compile(r": |; | \(|\. ")
#: The headline of a message about levels not named automatically ends with what to do.
NOT_NAMED_LEAD = "Levels not named automatically: "
SET_BY_HAND = ". Set them by hand (V)."


def headline(message: str, breaks=_BREAK) -> str:
    """``message`` up to its first explanation (see the module docstring), without a closing full stop."""
    text = message.strip()
    found = breaks.search(text)
    head = text[:found.start()] if found else text
    return head.rstrip(". ")


def spine_status_line(spine) -> str:
    """The status-bar line for a finished search: its headline, with what to do when nothing is named."""
    if any(v.name for v in spine.vertebrae):
        return headline(spine.message) + "."
    head = headline(spine.message, _BREAK_NOT_NAMED)
    return NOT_NAMED_LEAD + head[:1].lower() + head[1:] + SET_BY_HAND
