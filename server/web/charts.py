"""A small horizontal bar chart as inline SVG (no JavaScript, no external assets)."""
from __future__ import annotations

from xml.sax.saxutils import escape

from django.utils.safestring import SafeString, mark_safe


def bar_chart_svg(*, rows: list[tuple[str, int]], title: str, width: int = 560, bar_height: int = 22) -> SafeString:
    label_width, gap, top = 150, 6, 8
    top_value = max([n for _, n in rows] + [1])
    plot = width - label_width - 50
    height = top + len(rows) * (bar_height + gap) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>'
    ]
    for index, (label, count) in enumerate(rows):
        y = top + index * (bar_height + gap)
        bar = round(plot * count / top_value)
        parts.append(
            f'<g class="bar" data-label="{escape(label)}" data-count="{count}">'
            f'<text x="{label_width - 8}" y="{y + bar_height * 0.7:.1f}" text-anchor="end" font-size="13">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{bar}" height="{bar_height}" fill="#3b7dd8"></rect>'
            f'<text x="{label_width + bar + 6}" y="{y + bar_height * 0.7:.1f}" font-size="13">{count}</text></g>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))
