"""The menu bar in the order desktop users expect: File, Edit, View, Plan, Training, Help.

The menus are created by independent action groups (file, view, planning, training...) in whatever
order the window builds them; :func:`order_menus` then puts the bar in the conventional order (the
GNOME and KDE human interface guidelines and Apple's: File and Edit first, then the application's
own menus, Help last). A menu not named in ``MENU_ORDER`` keeps its place relative to the others,
before Help.
"""

from __future__ import annotations

MENU_ORDER = ("File", "Edit", "View", "Plan", "Training", "Help")


def menu_title(action) -> str:
    """A menu action's title without its mnemonic ampersands: "&File" -> "File"."""
    return action.text().replace("&&", "\0").replace("&", "").replace("\0", "&")


def ordered_titles(titles) -> list[str]:
    """``titles`` in ``MENU_ORDER``; unknown titles after the known ones they followed, Help always last."""
    known = [t for t in MENU_ORDER if t in titles and t != "Help"]
    result = list(known)
    for index, title in enumerate(titles):
        if title in MENU_ORDER:
            continue
        before = [t for t in titles[:index] if t in known]
        at = result.index(before[-1]) + 1 if before else 0
        while at < len(result) and result[at] not in MENU_ORDER:
            at += 1
        result.insert(at, title)
    if "Help" in titles:
        result.append("Help")
    return result


def order_menus(menu_bar) -> list[str]:
    """Re-insert the menu bar's menus in :func:`ordered_titles` order; returns the titles as shown."""
    actions = [a for a in menu_bar.actions() if a.menu() is not None]
    by_title = {}
    for action in actions:
        by_title.setdefault(menu_title(action), []).append(action)
    order = ordered_titles([menu_title(a) for a in actions])
    for action in actions:
        menu_bar.removeAction(action)
    seen = set()
    for title in order:
        if title in seen:
            continue
        seen.add(title)
        for action in by_title[title]:
            menu_bar.addAction(action)
    return [menu_title(a) for a in menu_bar.actions() if a.menu() is not None]
