"""Charts as inline SVG, drawn on the server (no script: the CSP allows none inline).

Each chart is a ``<svg role="img">`` with a title, bars with a ``<title>`` each (the
browser shows it on hover) and CSS classes for colours (static/css/analytics.css).  The
numbers are also in a table beside every chart on the page; the SVG is a picture of them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

WIDTH = 640
HEIGHT = 240
RIGHT, TOP, BOTTOM = 12, 12, 28
CHAR_WIDTH = 7  # about one character of the 12 px axis font


def _nice_max(value: float) -> float:
    """A round axis maximum at or above ``value`` (1, 2, 2.5 or 5 times a power of ten)."""
    if value <= 0:
        return 1.0
    power = 1.0
    while power * 10 <= value:
        power *= 10
    while power > value:
        power /= 10
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None], str]],
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
    max_value: float | None = None,
) -> Markup:
    """Vertical bars, grouped per label: ``series`` is ``(name, values, css class)``; a None value
    draws no bar.  ``fmt`` writes the axis and hover values."""
    values = [v for _, vals, _ in series for v in vals if v is not None]
    top = max_value if max_value is not None else _nice_max(max(values, default=0))
    ticks = [(frac, fmt(top * frac)) for frac in (0, 0.5, 1)]
    left = 12 + CHAR_WIDTH * max(len(text) for _f, text in ticks)  # room for the longest axis label
    plot_w, plot_h = WIDTH - left - RIGHT, HEIGHT - TOP - BOTTOM
    n = max(1, len(labels))
    group = plot_w / n
    bar = group * 0.8 / max(1, len(series))
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" preserveAspectRatio="xMidYMid meet" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for frac, text in ticks:
        y = TOP + plot_h * (1 - frac)
        parts.append(f'<line class="grid" x1="{left}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(text)}</text>')
    step = 1 if n <= 8 else 2
    for i, label in enumerate(labels):
        x0 = left + group * i + group * 0.1
        for j, (name, vals, css) in enumerate(series):
            v = vals[i] if i < len(vals) else None
            if v is None:
                continue
            h = plot_h * min(1.0, max(0.0, v / top)) if top else 0
            x = x0 + bar * j
            parts.append(
                f'<rect class="bar {escape(css)}" x="{x:.1f}" y="{TOP + plot_h - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}"><title>{escape(label)} · {escape(name)}: {escape(fmt(v))}</title></rect>'
            )
        if i % step == 0:
            cx = left + group * (i + 0.5)
            parts.append(
                f'<text class="axis" x="{cx:.1f}" y="{HEIGHT - 8}" text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 -- every text put in above is escaped


def hbar_chart(
    title: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    fmt: Callable[[float], str] = lambda v: f"{v:g}",
    css: str = "s1",
    max_value: float | None = None,
) -> Markup:
    """Horizontal bars, one row per label (masters, locations, services)."""
    row, label_w, value_w = 26, 180, 90
    height = max(1, len(labels)) * row + 8
    top = max_value if max_value is not None else max((v for v in values if v is not None), default=0) or 1
    plot_w = WIDTH - label_w - value_w
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" preserveAspectRatio="xMidYMid meet" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
    ]
    for i, (label, v) in enumerate(zip(labels, values, strict=False)):
        y = 4 + i * row
        short = label if len(label) <= 24 else label[:23] + "…"
        parts.append(f'<text class="axis" x="{label_w - 8}" y="{y + 17}" text-anchor="end">{escape(short)}</text>')
        if v is None:
            continue
        w = plot_w * min(1.0, max(0.0, v / top)) if top else 0
        parts.append(
            f'<rect class="bar {escape(css)}" x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row - 8}">'
            f"<title>{escape(label)}: {escape(fmt(v))}</title></rect>"
        )
        parts.append(f'<text class="value" x="{label_w + w + 6:.1f}" y="{y + 17}">{escape(fmt(v))}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 -- every text put in above is escaped
