"""The words of a proposal (planner.planning.propose): why each option ranks where it does, and a note
for each approach the search offers no option for."""

from __future__ import annotations


def option_why(opt, best, alone: bool = False) -> str:
    """The one line saying why ``opt`` (a :class:`~planner.planning.propose.Option`) ranks where it does, against
    ``best`` (option 1; None for option 1 itself; ``alone``: the only option)."""
    parts = [f"{opt.approach}: covers {opt.ctv_coverage_pct:.0f}% of the CTV and {opt.target_coverage_pct:.0f}% "
             "of the lesion", f"zone {opt.min_canal_distance_mm:.1f} mm from the canal",
             f"breach grade {opt.max_breach_grade}"]
    if best is None:
        lead = ("the only option found (see the notes for the others)" if alone
                else "ranked first: the largest CTV coverage with the zone kept off the canal")
    else:
        lead = f"{best.ctv_coverage_pct - opt.ctv_coverage_pct:.0f} points less CTV coverage than option 1"
        if len(opt.needles) < len(best.needles):
            lead += ", but one needle fewer"
    return f"{lead} ({', '.join(parts)})."


def missing_notes(options, kept, refused, stats, need_mm: float, margin_mm: float) -> tuple[str, ...]:
    """One sentence per approach the search offers no option for, with the reason (screenshot round of
    issue 17: a lumbar lesion got one unipedicular option and no word on the other side or a bipedicular
    pair). ``options``: the unipedicular ones side by side, then the bipedicular one (None where none passed);
    ``stats``: side -> the best zone clearance the search saw; ``need_mm``: the clearance the search asked for
    (the margin, the thermal clearance, half a voxel); ``margin_mm``: the margin the exact re-check asks."""
    notes, found = [], {}
    sides = [side for side in ("left", "right") if kept[side]]
    for side, option in zip(sides, options):
        found[side] = option is not None
    for side in ("left", "right"):
        best = stats[side].get("best_clearance_mm")
        if not kept[side] and best is not None and best < need_mm:
            notes.append(f"No {side} option: no {side} zone stays {need_mm:.1f} mm off the canal (the best "
                         f"{max(best, 0.0):.1f} mm; asked: the {margin_mm:g} mm margin, or the distance at which "
                         "the predicted canal temperature falls to its limit when that is larger).")
        elif not kept[side] and best is not None:
            notes.append(f"No {side} option: no {side} zone reaches the CTV while keeping the clearance its protocol "
                         "needs from the canal.")
        elif not kept[side]:
            notes.append(f"No {side} option: the corridor check refused every {side} trajectory.")
        elif not found[side]:
            why = refused.get(side) or (f"the canal margin of {margin_mm:g} mm or the predicted canal temperature, "
                                        "measured exactly")
            notes.append(f"No {side} option passed the exact re-check ({why}).")
    if not (kept["left"] and kept["right"]):
        notes.append("No bipedicular option: it needs a safe trajectory on each side.")
    elif options[-1] is None:
        notes.append("No bipedicular pair passed the exact re-check (canal margin, predicted canal temperature and "
                     "the full corridor check).")
    return tuple(notes)


#: Below this share of the lesion covered by the best option, the proposal says so (the search ranks by the
#: CTV's coverage: an option can cover a fifth of the CTV and none of the lesion).
LESION_NOTE_PCT = 50.0


def lesion_note(options) -> tuple[str, ...]:
    """A note when no option covers at least :data:`LESION_NOTE_PCT` % of the lesion (screenshot round of
    issue 17: the options covered 0-3 % of the lesion and nothing said so before one was added)."""
    if not options:
        return ()
    best = max(o.target_coverage_pct for o in options)
    if best >= LESION_NOTE_PCT:
        return ()
    return (f"No option covers more than {best:.0f}% of the lesion (the search ranks by the CTV's coverage and "
            "keeps the zones off the canal): plan the lesion's coverage by hand, or accept a partial ablation.",)
