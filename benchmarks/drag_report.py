"""The printed figures of benchmarks/bench_drag.py (targets from issue 15), from what its drag measured."""

from __future__ import annotations

import os
import statistics

from drag_window import PHASES, p95, row


def report(args, session, refs: dict, m: dict) -> None:
    bare_ms, bare_cpu_ms = refs["bare_ms"], refs["bare_cpu_ms"]
    moves = args.moves
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} (shared machine: figures vary)")
    print(f"tip displacement after the drag {m['moved_mm']:.1f} mm ({moves} moves); the drag is one "
          f"undo step: '{session.stack.undo_text}'")
    per_move, cpu_move, main_move = m["per_move"], m["cpu_move"], m["main_move"]
    row("drag: whole window per mouse move (p95)", p95(per_move), "<= 33 ms", bare_ms)
    row("drag: whole window per mouse move (median)", statistics.median(per_move), "reported", bare_ms)
    row("drag: CPU time of this process per move (p95)", p95(cpu_move), "reported", bare_ms)
    row("drag: CPU time of this process per move (median)", statistics.median(cpu_move), "reported", bare_ms)
    row("drag: CPU time of the GUI thread per move (median)", statistics.median(main_move), "reported", bare_cpu_ms)
    row("drag: CPU time of the GUI thread per move (p95)", p95(main_move), "reported", bare_cpu_ms)
    for key, what in zip(PHASES, ("the mouse event (the edit)", "the frame update (evaluation, panels)",
                                  "posted events and paints")):
        row(f"  CPU in {what} (median)", statistics.median(m["phases"][key]), "reported")
    if m["fast_cpu"]:
        row("  of the frame update: the drag evaluation (median)", statistics.median(m["fast_cpu"]), "reported")
    row("full re-analysis of the plan, from scratch (median)", statistics.median(refs["full"]), "<= 20 ms", bare_ms)
    row("  the same, GUI-thread CPU (median)", statistics.median(refs["full_cpu"]), "reported", bare_cpu_ms)
    if m["fast_cpu"]:
        row("drag evaluation (one zone moved), GUI-thread CPU (median)", statistics.median(m["fast_cpu"]), "reported",
            bare_cpu_ms)
    row("bare repaint of the dragged view (median)", bare_ms, "reference")
    row("bare repaint of the dragged view, GUI-thread CPU (median)", bare_cpu_ms, "reference")
    row("release, until the worker's figures are in (corridors off)", m["release_ms"], "reported")
    print(f"evaluations during the {moves} moves: {m['moves_full']} full, {m['moves_fast']} fast (coalesced per frame)")
    print(f"full evaluations run by the release: {m['release_full']} (target exactly 1); the worker's figures "
          f"merged into it {m['release_merges']} time(s); complete afterwards: {m['release_complete']}")
    made = m["made"]
    print(f"computed during the {moves} moves: {made[0]} zones, {made[1]} zone-canal distances, {made[2]} "
          f"zone-foramen distances ({len(session.plan.antennas)} antennas; target: only the dragged one's)")
    redraws = m["window_redraws"]
    print(f"window repaints during the {moves} moves: {redraws} ({redraws / moves:.2f} per move, target 1)")
    if m["placements"] is not None:  # planner.ui.level_labels: a layout is reused while its inputs hold
        print(f"level-name layouts computed during the {moves} moves: {m['placements']} "
              f"({m['placements'] / moves:.2f} per move over {m['views_2d']} 2D views)")
    if "geometry" in m:  # planner.ui.overlay_geometry: only what moved is recomputed
        hits, misses = m["geometry"]
        print(f"overlay geometry during the moves: {hits} entries reused, {misses} recomputed "
              f"({misses / max(1, hits + misses):.0%} recomputed)")
