"""Limits on a plan file, checked before anything is built from it (docs/plan-format.md, "Limits").

A plan of a real case has a few items: up to 4 treated levels per patient, one or two needles per
level (bipedicular), a thermocouple or two near neural structures (Chen AJNR 2022). Each needle's
corridor check takes about a second, so a file with thousands of items would keep ``analyze`` busy
for hours; such a file is refused with a message instead.
"""

from __future__ import annotations

from planner.core.errors import PlanError

MAX_FILE_BYTES = 5_000_000
MAX_DEPTH = 32  # a plan's JSON is about 5 levels deep
MAX_INT_DIGITS = 18  # every whole number in a plan fits in 64 bits (and exactly in a float below 2**53)
#: Most items of one kind in a plan: 4 levels (Chen 2022) x 2 needles (bipedicular), with room to spare.
MAX_ITEMS = {"levels": 16, "needles": 64, "antennas": 64, "thermocouples": 64, "targets": 64}


def parse_int(text: str) -> int:
    """``json.loads`` hook: refuse integers too long for a number (e.g. ``10**400``)."""
    digits = text.lstrip("-")
    if len(digits) > MAX_INT_DIGITS:
        raise PlanError(f"The plan file holds a whole number with {len(digits)} digits (at most {MAX_INT_DIGITS}).")
    return int(text)


def check_text_size(text: str) -> None:
    if len(text) > MAX_FILE_BYTES:
        raise PlanError(f"The plan file is {len(text) / 1e6:.1f} MB; plans are at most {MAX_FILE_BYTES / 1e6:g} MB.")


def check_shape(data) -> None:
    """Nesting depth (iterative, so a deep file cannot exhaust the stack) and item counts."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise PlanError(f"The plan file is nested more than {MAX_DEPTH} levels deep; it is not a plan.")
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    if isinstance(data, dict):
        for key, limit in MAX_ITEMS.items():
            items = data.get(key)
            if isinstance(items, list) and len(items) > limit:
                raise PlanError(f"{key}: the plan has {len(items)}; at most {limit} are accepted "
                                f"(a case has up to 4 levels with 1-2 needles each).")
