"""Questions per day as an inline SVG, drawn on the server (no script, no image file)."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from corpus.api import LogStats

WIDTH, HEIGHT = 640, 200
LEFT, BOTTOM, TOP = 34, 22, 8
FOUND, NOT_FOUND = "#2e8b57", "#d9822b"


def per_day_svg(stats: LogStats, *, max_days: int = 90) -> str:
    """Stacked bars (found below, not found above) for each local day, newest right.

    Every label is a number or a date Linli formats: nothing a resident wrote.
    """
    days: Sequence = stats.days[-max_days:]
    if not days:
        return ""
    peak = max((d.total for d in days), default=0) or 1
    plot_w, plot_h = WIDTH - LEFT - 4, HEIGHT - BOTTOM - TOP
    step = plot_w / len(days)
    bar = max(1.0, step * 0.8)
    parts = [
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="每日提问数：找到与未找到" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    for value in sorted({0, peak // 2, peak}):
        y = TOP + plot_h - plot_h * value / peak
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - 4}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e1e6ea"/>'
            f'<text x="{LEFT - 4}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="#5f6b76">{value}</text>'
        )
    for i, day in enumerate(days):
        x = LEFT + i * step + (step - bar) / 2
        found_h = plot_h * day.found / peak
        missed_h = plot_h * day.not_found / peak
        base = TOP + plot_h
        title = escape(f"{day.day.isoformat()}：找到 {day.found}，未找到 {day.not_found}")
        parts.append(
            f"<g><title>{title}</title>"
            f'<rect x="{x:.1f}" y="{base - found_h:.1f}" width="{bar:.1f}" height="{found_h:.1f}" fill="{FOUND}"/>'
            f'<rect x="{x:.1f}" y="{base - found_h - missed_h:.1f}" width="{bar:.1f}" '
            f'height="{missed_h:.1f}" fill="{NOT_FOUND}"/></g>'
        )
    label_every = max(1, len(days) // 6)
    for i, day in enumerate(days):
        if i % label_every == 0 or i == len(days) - 1:
            x = LEFT + i * step + step / 2
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - 6}" font-size="11" text-anchor="middle" '
                f'fill="#5f6b76">{day.day.month}/{day.day.day}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def hours_svg(hours: Sequence[int]) -> str:
    """Questions per local hour (0–23) as small bars, labelled every six hours."""
    peak = max(hours, default=0) or 1
    width, height, base = 480, 80, 64
    step = width / 24
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="各小时提问数" '
        'xmlns="http://www.w3.org/2000/svg">'
    ]
    for hour, count in enumerate(hours):
        h = (base - 4) * count / peak
        parts.append(
            f'<g><title>{hour}点：{count}</title><rect x="{hour * step + 1:.1f}" y="{base - h:.1f}" '
            f'width="{step - 2:.1f}" height="{h:.1f}" fill="#5b8db8"/></g>'
        )
    for hour in (0, 6, 12, 18, 23):
        parts.append(
            f'<text x="{hour * step + step / 2:.1f}" y="{height - 3}" font-size="11" '
            f'text-anchor="middle" fill="#5f6b76">{hour}点</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
