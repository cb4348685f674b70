"""Server-rendered SVG charts (pygal) for the dashboard and the bulletin page: the cumulative
monthly chart, the funnel and the per-street completion against target.

The SVG is embedded in the page: readable without JavaScript, with no script, no CDN and no
external reference (pygal's tooltip script and its comments are stripped). Each chart is drawn
twice: wide for a desktop, and narrow with larger text for a 390 px phone (CSS shows one); labels
are measured for Chinese characters, so that none is clipped. pygal takes tens of milliseconds per
chart, so a rendered chart is memoised on its figures and the language.
"""
from __future__ import annotations

import math
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
PHONE_STYLE = Style(
    background="transparent",
    plot_background="transparent",
    font_family=STYLE.font_family,
    colors=STYLE.colors,
    title_font_size=18,
    label_font_size=15,
    major_label_font_size=15,
    legend_font_size=15,
    value_font_size=15,
)
CONFIG = {"js": [], "disable_xml_declaration": True, "style": STYLE, "width": 720, "height": 360,
          "legend_at_bottom": True, "print_values": False, "show_legend": True, "truncate_legend": -1,
          "truncate_label": -1}
#: The phone variant: drawn at about the width it is shown at, so its text keeps its size.
PHONE = {"style": PHONE_STYLE, "width": 400, "height": 400, "legend_at_bottom_columns": 1}

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


def measured(label: str) -> str:
    """`label` with leading spaces that make pygal's width estimate (0.6 em a character) cover its
    Chinese characters (1 em each): the margin is then wide enough, and SVG drops the spaces.

    >>> measured("已走访") == " " * 2 + "已走访", measured("09")
    (True, '09')
    """
    wide = sum(1 for ch in label if ord(ch) > 0x2E7F)
    return " " * math.ceil(wide * 2 / 3) + label


def whole_ticks(values, phone: bool) -> list[int]:
    """Whole-number ticks from 0 past the largest value: at most 5 on a phone, 10 on a desktop
    (counts of organisations have no fractions, and crowded ticks overlap on a narrow drawing).

    >>> whole_ticks([3, None, 1], True), whole_ticks([56, 60], True)
    ([0, 1, 2, 3], [0, 20, 40, 60])
    """
    top = max([v for v in values if v is not None] or [1]) or 1
    most = 5 if phone else 10
    step = 1
    while top / step > most - 1:
        step = next(s * 10 ** e for e in range(0, 12) for s in (1, 2, 5) if s * 10 ** e > step)
    return list(range(0, top + step, step)) if top % step else list(range(0, top + 1, step))


def both_sizes(draw, locale: str, key: tuple) -> Markup:
    """The desktop and the phone drawing of one chart; the stylesheet shows the one that fits."""
    return Markup('<div class="chart-wide">{}</div><div class="chart-narrow">{}</div>').format(
        draw(locale, key, False), draw(locale, key, True))


def monthly_chart(monthly: list[dict[str, Any]]) -> Markup:
    """Cumulative branches founded and organisations onboarded per month, with the target lines."""
    key = tuple((m["month"], m["founded"], m["onboarded"], m["new_branch_target"], m["onboarding_target"])
                for m in monthly)
    return both_sizes(_monthly_svg, str(get_locale()), key)


@lru_cache(maxsize=64)
def _monthly_svg(locale: str, key: tuple, phone: bool) -> Markup:  # noqa: ARG001 (the locale is part of the cache key)
    """Render the monthly chart (memoised: the SVG depends only on the figures and the language)."""
    monthly = [dict(zip(("month", "founded", "onboarded", "new_branch_target", "onboarding_target"), row))
               for row in key]
    chart = pygal.Line(**{**CONFIG, **(PHONE if phone else {})}, dots_size=3, include_x_axis=True,
                       allow_interruptions=True)
    chart.title = _("累计建团与入驻（按月）")
    chart.y_labels = whole_ticks([v for m in monthly for v in (m["founded"], m["onboarded"], m["new_branch_target"],
                                                                m["onboarding_target"])], phone)
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
    return both_sizes(_funnel_svg, str(get_locale()), tuple((s["stage"], s["count"]) for s in funnel))


@lru_cache(maxsize=64)
def _funnel_svg(locale: str, key: tuple, phone: bool) -> Markup:  # noqa: ARG001 (the locale is part of the cache key)
    """Render the funnel (memoised like the monthly chart)."""
    funnel = [{"stage": stage, "count": count} for stage, count in key]
    chart = pygal.HorizontalBar(**{**CONFIG, **(PHONE if phone else {}), "show_legend": False, "print_values": True,
                                   "height": 320 if phone else 300})
    chart.title = _("工作漏斗")
    stages = list(reversed(funnel))  # pygal draws the first value at the bottom
    chart.x_labels = [measured(_(FUNNEL_LABELS[s["stage"]])) for s in stages]
    chart.add(_("组织数"), [s["count"] for s in stages])
    chart.y_labels = whole_ticks([s["count"] for s in stages], phone)
    return inline_svg(chart.render(is_unicode=True), chart.title)


def street_chart(by_street: list[dict[str, Any]]) -> Markup:
    """Per street: new branches founded against the street's target (streets without one: founded only)."""
    key = tuple((r["street"], r["established"], r["new_branch_target"]) for r in by_street)
    return both_sizes(_street_svg, str(get_locale()), key)


@lru_cache(maxsize=64)
def _street_svg(locale: str, key: tuple, phone: bool) -> Markup:  # noqa: ARG001 (the locale is part of the cache key)
    """Render the per-street chart (memoised like the others)."""
    rows = list(reversed(key))  # the first street at the top
    chart = pygal.HorizontalBar(**{**CONFIG, **(PHONE if phone else {}), "print_values": True,
                                   "height": max(300, 44 * len(rows) + 140)})
    chart.title = _("各街道新建团组织完成情况")
    chart.x_labels = [measured(street) for street, _n, _t in rows]
    chart.add(_("新建团组织"), [n for _s, n, _t in rows])
    chart.add(_("目标"), [t for _s, _n, t in rows])
    chart.y_labels = whole_ticks([v for _s, n, t in rows for v in (n, t)], phone)
    return inline_svg(chart.render(is_unicode=True), chart.title)
