"""Where a view's labels go so that they sit off the anatomy and never cover what is being planned.

Plain logic on screen rectangles (x0, y0, x1, y1 in px; no Qt), like the radiology viewers' annotation
layout: a label goes in a column at the view's left or right edge, at the height of the point it names
(joined to it by a leader line), and slides up or down (with a body test at most three label heights:
farther it reads as another vertebra's) until it overlaps no obstacle (needle, antenna and
thermocouple tips, zone outlines, labels placed before it, the view's own corner texts). A label with no
free place is not drawn: hiding a name is safer than hiding a tip or a zone.

Off the anatomy (issue 19): given ``on_body`` (does a rectangle cover the patient's body mask?), an edge
spot must lie outside the body: on the T11-T12 scan the arms reach the view's edges at the spine's
height, so the label slides up or down the edge column to the air beside them. Where the body fills
the view (zoomed in, or a sagittal view of the torso), the label goes beside the spine instead: in a
column ``beside_px`` lateral of the point it names, still off every obstacle.

Speed (issue 15): a label with no free spot used to try every height of both columns one rectangle at a
time against every obstacle (about 2.3 million pure-Python overlap tests in a 60-move drag in the
needle layout, benchmarks/bench_drag.py); the candidate spots of a column are now tested against all
obstacles, and the body, at once with numpy, in the same order, so the same spot wins.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Rect = tuple[float, float, float, float]

EDGE_GAP_PX = 46.0  # clear of the orientation letters drawn at the view's left and right edges (40 px)
TOP_RESERVED_PX = 24.0  # the view's title line
BOTTOM_RESERVED_PX = 26.0  # the W/L and px/mm line
SLIDE_STEP_PX = 6.0
BESIDE_PX = 40.0  # the gap between the named point and a label put beside the spine (px, see level_labels)
QUICK_SPOTS = 12  # the nearest spots of a label tried one at a time before the rest all at once (issue 15)
TIP_HALF_PX = 7.0  # a tip marker's radius (4.5 px) plus its pen and a little air
MAX_EDGE_SLIDE_LABELS = 3.0  # how far (in label heights) an edge label may slide from its anchor's height


@dataclass(frozen=True)
class PlacedLabel:
    text: str
    rect: Rect
    anchor: tuple[float, float]  # the screen point the label names (its leader line ends there)


def overlaps(a: Rect, b: Rect) -> bool:
    """True when the two rectangles share interior area."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def point_rect(x: float, y: float, half: float = TIP_HALF_PX) -> Rect:
    return x - half, y - half, x + half, y + half


def place_labels(items, size_of, view_w: float, view_h: float, obstacles: list[Rect], on_body=None,
                 beside_px: float = BESIDE_PX, tried: list | None = None, beside_ok=None) -> list[PlacedLabel]:
    """Place ``items`` (text, (x, y) anchor) in the view; ``size_of(text)`` gives (w, h) px.

    Each label tries the heights nearest its anchor's first, at each height the edge column nearer its
    anchor first, then the other. With ``on_body`` (rect -> True when it covers the body), edge spots on
    the body are refused, edge spots more than :data:`MAX_EDGE_SLIDE_LABELS` label heights from the
    anchor's are not tried, and a label with no edge spot left goes beside its anchor
    (``beside_px`` to the side of the nearer edge first). Labels already placed become obstacles for the
    next ones. ``on_body`` may offer ``many(rects)`` (an (n, 4) array -> n booleans, the same answers
    as calling it on each row) to test many candidate spots at once, ``covers(rect)`` for one, and
    ``prepare(rects)`` to get ready for questions about these (planner.ui.label_body.BodyTest).

    ``tried`` (a list, optional) gets, per label, the (n, 4) spots whose freedom decided its place:
    its spots in order up to the one it took (all of them when it found none). It changes no choice;
    a layout stays the same while no obstacle that moved touches any of them (issue 15,
    planner.ui.level_labels reuses a view's layout then). ``beside_ok`` ((n, 4) rects -> n booleans,
    optional) keeps only the spots beside the anchor it allows (the needle views: on the image,
    planner.ui.label_image).
    """
    fixed_list = [tuple(float(v) for v in o) for o in obstacles]
    fixed = np.asarray(fixed_list, float).reshape(-1, 4)
    many = getattr(on_body, "many", None)
    covers = None if on_body is None else getattr(on_body, "covers", on_body)  # one rectangle at a time
    y_lo, y_hi = TOP_RESERVED_PX, view_h - BOTTOM_RESERVED_PX
    labels = []  # (text, anchor, w, h, edge candidates in the order they are tried)
    for text, (ax, ay) in items:
        w, h = size_of(text)
        if y_hi - y_lo < h:
            continue
        columns = [EDGE_GAP_PX, view_w - EDGE_GAP_PX - w]
        rects = candidate_spots(columns if ax <= view_w / 2 else columns[::-1], ay, w, h, y_lo, y_hi)
        # near the anchor's height only where a label with no edge spot has a place beside its anchor (with a
        # body test); without one, the whole column (a name far down the edge is better than none)
        labels.append((text, (ax, ay), w, h, rects if on_body is None else _near(rects, ay, h, y_lo, y_hi)))
    prepare = getattr(on_body, "prepare", None)
    if prepare is not None and labels:  # the body under every label's edge spots, sampled in one go
        prepare(np.concatenate([label[4] for label in labels]))
    usable: dict[int, np.ndarray] = {}  # label index -> its edge spots free of the obstacles and the body
    placed: list[PlacedLabel] = []
    taken = list(fixed_list)
    for n, (text, (ax, ay), w, h, rects) in enumerate(labels):
        # the nearest spots one at a time (most labels take one of them), the rest all at once
        spot = _quick(rects[:QUICK_SPOTS], taken, covers)
        if spot is None and len(rects) > QUICK_SPOTS:
            if on_body is None or many is not None:
                if n not in usable:  # the first label that needs it: every label left, in one batch
                    usable.update(_usable(labels, n, fixed, many))
                rest = rects[QUICK_SPOTS:][usable[n][QUICK_SPOTS:]]
                rest = rest[free_of(rest, np.asarray(taken[len(fixed_list):], float).reshape(-1, 4))]
                spot = tuple(rest[0].tolist()) if len(rest) else None
            else:
                spot = _first_free(rects[QUICK_SPOTS:], np.asarray(taken, float), on_body)
        edge = rects
        if spot is None and on_body is not None:
            near_left = ax <= view_w / 2
            beside = [ax - beside_px - w, ax + beside_px] if near_left else [ax + beside_px, ax - beside_px - w]
            beside = [x0 for x0 in beside if EDGE_GAP_PX <= x0 <= view_w - EDGE_GAP_PX - w]
            rects = candidate_spots(beside, ay, w, h, y_lo, y_hi)
            if beside_ok is not None and len(rects):
                rects = rects[np.asarray(beside_ok(rects), bool)]
            spot = _quick(rects[:QUICK_SPOTS], taken, None)
            if spot is None and len(rects) > QUICK_SPOTS:
                spot = _first_free(rects[QUICK_SPOTS:], np.asarray(taken, float))
        if tried is not None:
            tried.append(_tried(edge, rects, spot))
        if spot is None:
            continue
        placed.append(PlacedLabel(text, spot, (ax, ay)))
        taken.append(spot)
    return placed


def _near(rects: np.ndarray, anchor_y: float, h: float, y_lo: float, y_hi: float) -> np.ndarray:
    """The edge spots within :data:`MAX_EDGE_SLIDE_LABELS` label heights of the anchor's height (kept inside
    the band), for a layout with a body test. Farther, a name reads as another
    vertebra's (screenshot round of issue 19, a coronal view narrowed by the training dock: "L2" slid 81 px
    down the right edge, off the body there, with the left edge free at its own height, and "T12" went below
    "L1"); with no edge spot that near, the label goes beside its anchor."""
    start = min(max(anchor_y - h / 2, y_lo), y_hi - h)
    return rects[np.abs(rects[:, 1] - start) <= MAX_EDGE_SLIDE_LABELS * h]


def _tried(edge: np.ndarray, last: np.ndarray, spot: Rect | None) -> np.ndarray:
    """The spots tried in order up to ``spot`` (in ``last``, the edge spots or the beside ones after
    them), or every spot when there is none: the first equal rectangle is the one taken (an equal
    one earlier would have been as free)."""
    if spot is None:
        return edge if last is edge else np.concatenate([edge, last])
    upto = last[:int(np.flatnonzero((last == np.asarray(spot)).all(axis=1))[0]) + 1]
    return upto if last is edge else np.concatenate([edge, upto])


def _quick(rects: np.ndarray, taken: list, covers) -> Rect | None:
    """The first of a few ``rects`` off every ``taken`` rectangle (and off the body given ``covers``),
    tested one at a time (cheaper than arrays for a handful)."""
    for rect in rects.tolist():
        if not any(overlaps(rect, o) for o in taken) and not (covers is not None and covers(tuple(rect))):
            return tuple(rect)
    return None


def _usable(labels, first: int, fixed: np.ndarray, many) -> dict[int, np.ndarray]:
    """For labels ``first`` .. last: which of their edge spots are free of the obstacles and, given
    ``many``, off the body; every spot of every label in one array (one sampling of the body)."""
    every = np.concatenate([label[4] for label in labels[first:]])
    ok = free_of(every, fixed)
    if many is not None and ok.any():
        ok[ok] = ~np.asarray(many(every[ok]), bool)
    cuts = np.cumsum([0] + [len(label[4]) for label in labels[first:]])
    return {first + k: ok[a:b] for k, (a, b) in enumerate(zip(cuts[:-1], cuts[1:]))}


def candidate_spots(columns, anchor_y, w, h, y_lo, y_hi) -> np.ndarray:
    """Every spot a label of size (w, h) may take, (n, 4) rectangles in the order they are tried: the
    height centred on ``anchor_y`` (kept inside [y_lo, y_hi]), then :data:`SLIDE_STEP_PX` further up,
    down, up, ... while the label stays inside [y_lo, y_hi], and at each height every column (those at
    x >= 0) in the order given: the nearest heights first, whichever column (screenshot round of issue 19:
    one column tried to its end before the other put "L4" below "L5" on the nearer edge of a coronal view
    narrowed by the training dock, while the other edge was free at its own height)."""
    start = min(max(anchor_y - h / 2, y_lo), y_hi - h)
    y0 = start + _slide_offsets(int((y_hi - y_lo) / SLIDE_STEP_PX) + 1)
    y1 = y0 + h
    inside = (y0 >= y_lo) & (y1 <= y_hi)
    y0, y1 = y0[inside], y1[inside]
    xs = [x0 for x0 in columns if x0 >= 0]
    m = len(y0)
    out = np.empty((m, len(xs), 4))
    for n, x0 in enumerate(xs):
        out[:, n, 0], out[:, n, 1], out[:, n, 2], out[:, n, 3] = x0, y0, x0 + w, y1
    return out.reshape(m * len(xs), 4)


_OFFSETS: dict[int, np.ndarray] = {}


def _slide_offsets(n: int) -> np.ndarray:
    """0, -1, +1, -2, +2, ... (n - 1) slide steps, in px (made once per n)."""
    offsets = _OFFSETS.get(n)
    if offsets is None:
        steps = np.empty(2 * n - 1)
        steps[0] = 0.0
        steps[1::2] = -np.arange(1, n)
        steps[2::2] = np.arange(1, n)
        offsets = steps * SLIDE_STEP_PX
        offsets.flags.writeable = False
        _OFFSETS[n] = offsets
    return offsets


def free_of(rects: np.ndarray, taken: np.ndarray) -> np.ndarray:
    """Which of the (n, 4) ``rects`` overlap none of the (m, 4) ``taken`` (the test of :func:`overlaps`,
    all pairs at once)."""
    if len(taken) == 0 or len(rects) == 0:
        return np.ones(len(rects), bool)
    a, b = rects[:, None, :], taken[None, :, :]
    hit = (a[..., 0] < b[..., 2]) & (b[..., 0] < a[..., 2]) & (a[..., 1] < b[..., 3]) & (b[..., 1] < a[..., 3])
    return ~hit.any(axis=1)


def _first_free(rects, taken, on_body=None) -> Rect | None:
    """The first of ``rects`` (in order) off every ``taken`` rectangle and, given ``on_body``, off the
    body; None when there is none. A plain ``on_body`` callable is asked in order, up to the first spot
    off the body (as a loop over the spots would)."""
    free = rects[free_of(rects, taken)]
    if on_body is None:
        index = 0 if len(free) else None
    elif hasattr(on_body, "many"):
        off = np.flatnonzero(~np.asarray(on_body.many(free), bool))
        index = int(off[0]) if len(off) else None
    else:
        index = next((n for n, r in enumerate(free) if not on_body(tuple(r.tolist()))), None)
    return None if index is None else tuple(free[index].tolist())
