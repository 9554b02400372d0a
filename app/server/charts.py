"""Small server-rendered SVG bar charts: what a person would rather look at than read."""

from __future__ import annotations

from html import escape

PALETTE = ("#2f6db5", "#c0392b", "#e08e0b", "#7d3c98", "#16a085", "#566573")


def _value(v: float) -> str:
    """A bar's figure as the page's language writes it (64,5 in Russian)."""
    from app.i18n import current_language

    text = f"{v:g}"
    return text.replace(".", ",") if current_language() == "ru" else text


def bars(items: list[tuple[str, list[float], str]], series: list[str], title: str, width: int = 720) -> str:
    """Horizontal grouped bars: items are (label, values per series, link)."""
    bar_h, gap = 14, 10
    # 12 px DejaVu Sans: about 7.2 px a character (Cyrillic included); a label never runs into its bars:
    # the column is at most 45 % of the chart and a longer label is cut with '…' (the bar's tooltip has it whole)
    char_w = 7.2
    longest = max((len(label) for label, _v, _h in items), default=10)
    label_w = int(min(0.45 * width, max(80, 13 + char_w * longest)))
    fit = int((label_w - 12) / char_w + 0.01)
    full = [label for label, _v, _h in items]
    items = [(label if len(label) <= fit else label[:fit - 1].rstrip() + "…", vals, href) for label, vals, href in items]
    n = max(1, len(series))
    vmax = max([v for _, vals, _ in items for v in vals] + [1])
    plot_w = width - label_w - 60
    height = 40 + len(items) * (n * bar_h + gap) + 24
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>',
           f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>']
    x0 = 10
    for i, s in enumerate(series):
        out.append(f'<rect x="{x0}" y="24" width="10" height="10" fill="{PALETTE[i % len(PALETTE)]}"/>'
                   f'<text x="{x0 + 14}" y="33" font-size="11">{escape(s)}</text>')
        x0 += 24 + 7 * len(s)
    y = 44
    for (label, vals, href), whole in zip(items, full, strict=True):
        out.append(f'<a href="{escape(href)}"><text x="0" y="{y + bar_h * n / 2 + 4}" font-size="12">'
                   f'<title>{escape(whole)}</title>{escape(label)}</text></a>')
        for i, v in enumerate(vals):
            w = 0 if vmax == 0 else max(1 if v else 0, round(plot_w * v / vmax))
            color = PALETTE[i % len(PALETTE)]
            out.append(f'<rect x="{label_w}" y="{y}" width="{w}" height="{bar_h - 2}" fill="{color}">'
                       f'<title>{escape(whole)}: {escape(series[i])} {v:g}</title></rect>'
                       f'<text x="{label_w + w + 4}" y="{y + bar_h - 4}" font-size="11">{_value(v)}</text>')
            y += bar_h
        y += gap
    out.append("</svg>")
    return "".join(out)
