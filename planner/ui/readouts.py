"""Readout rows (from :mod:`planner.session.readouts`) as rich text for the panels."""

from __future__ import annotations

from html import escape

from planner.session.readouts import item_rows, plan_rows


def rows_html(rows) -> str:
    body = "".join(f"<tr><td>{escape(k)}</td><td><b>{escape(v)}</b></td></tr>" for k, v in rows)
    return f"<table cellspacing='2'>{body}</table>"


def item_readouts(session, item_id: str) -> str:
    return rows_html(item_rows(session, item_id))


def plan_readouts(session) -> str:
    return rows_html(plan_rows(session))
