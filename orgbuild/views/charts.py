"""Server-rendered SVG charts (pygal) for the dashboard: the cumulative monthly chart and the funnel.

The SVG is embedded in the page: readable without JavaScript, with no script, no CDN and no
external reference (pygal's tooltip script and its comments are stripped). pygal takes tens of
milliseconds per chart, so a rendered chart is memoised on its figures and the language.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import pygal
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup
from pygal.style import Style

from ..domain.rules import N_

STYLE = Style(
    background="transparent",
    plot_background="transparent",
    font_family="system-ui, -apple-system, 'Microsoft YaHei', 'PingFang SC', sans-serif",
    colors=("#dc3545", "#198754", "#6c757d", "#adb5bd", "#0d6efd"),
    title_font_size=16,
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=12,
    value_font_size=12,
)
CONFIG = {"js": [], "disable_xml_declaration": True, "style": STYLE, "width": 720, "height": 360,
          "legend_at_bottom": True, "print_values": False, "show_legend": True}

_SCRIPT = re.compile(r"<script\b.*?</script>", re.S | re.I)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_XMLNS = re.compile(r'\s+xmlns(:\w+)?="[^"]*"')


def inline_svg(svg: str, label: str) -> Markup:
    """Clean pygal's output for embedding in HTML: no script, comments or namespace URLs; an ARIA label."""
    svg = _SCRIPT.sub("", svg)
    svg = _COMMENT.sub("", svg)
    svg = _XMLNS.sub("", svg)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{Markup.escape(label)}" ', 1)
    return Markup(svg)


def monthly_chart(monthly: list[dict[str, Any]]) -> Markup:
    """Cumulative branches founded and organisations onboarded per month, with the target lines."""
    key = tuple((m["month"], m["founded"], m["onboarded"], m["new_branch_target"], m["onboarding_target"])
                for m in monthly)
    return _monthly_svg(str(get_locale()), key)


@lru_cache(maxsize=64)
def _monthly_svg(locale: str, key: tuple) -> Markup:  # noqa: ARG001 (the locale is part of the cache key)
    """Render the monthly chart (memoised: the SVG depends only on the figures and the language)."""
    monthly = [dict(zip(("month", "founded", "onboarded", "new_branch_target", "onboarding_target"), row))
               for row in key]
    chart = pygal.Line(**CONFIG, dots_size=3, include_x_axis=True, allow_interruptions=True)
    chart.title = _("累计建团与入驻（按月）")
    chart.x_labels = [m["month"][-2:] for m in monthly]
    chart.add(_("累计新建团组织"), [m["founded"] for m in monthly])
    chart.add(_("累计入驻智慧团建"), [m["onboarded"] for m in monthly])
    if monthly and monthly[0]["new_branch_target"] is not None:
        chart.add(_("建团目标"), [monthly[0]["new_branch_target"]] * len(monthly), show_dots=False,
                  stroke_style={"dasharray": "6, 4"})
    if monthly and monthly[0]["onboarding_target"] is not None:
        chart.add(_("入驻目标"), [monthly[0]["onboarding_target"]] * len(monthly), show_dots=False,
                  stroke_style={"dasharray": "2, 4"})
    return inline_svg(chart.render(is_unicode=True), chart.title)


FUNNEL_LABELS = {
    "surveyed": N_("摸底排查"),
    "party_orgs": N_("已建党组织"),
    "visited": N_("已走访"),  # party-no-league organisations visited (the stage after 已建党组织)
    "established": N_("本年新建团"),
    "onboarded": N_("新建团已入驻"),
}


def funnel_chart(funnel: list[dict[str, Any]]) -> Markup:
    """The funnel surveyed → party → visited → established → onboarded, as horizontal bars."""
    return _funnel_svg(str(get_locale()), tuple((s["stage"], s["count"]) for s in funnel))


@lru_cache(maxsize=64)
def _funnel_svg(locale: str, key: tuple) -> Markup:  # noqa: ARG001 (the locale is part of the cache key)
    """Render the funnel (memoised like the monthly chart)."""
    funnel = [{"stage": stage, "count": count} for stage, count in key]
    chart = pygal.HorizontalBar(**{**CONFIG, "show_legend": False, "print_values": True, "height": 300,
                                   "truncate_label": -1})
    chart.title = _("工作漏斗")
    stages = list(reversed(funnel))  # pygal draws the first value at the bottom
    chart.x_labels = [_(FUNNEL_LABELS[s["stage"]]) for s in stages]
    chart.add(_("组织数"), [s["count"] for s in stages])
    return inline_svg(chart.render(is_unicode=True), chart.title)
