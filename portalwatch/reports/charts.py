"""Digest charts as PNG bytes (matplotlib, headless), and the search timeline as SVG drawn here (light enough
for every search page, its Vietnamese labels kept as text), rasterised to PNG for download."""

import io
import textwrap
from collections.abc import Mapping
from datetime import date, timedelta

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from markupsafe import Markup
from matplotlib.ticker import MaxNLocator

from portalwatch.reports.digest import Digest


def _png(figure: plt.Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return buffer.getvalue()


def topic_bars(digest: Digest) -> bytes:
    """Articles per topic this week against last week and the four-week average."""
    topics = list(reversed(digest.topics))
    figure, axes = plt.subplots(figsize=(8, 0.38 * len(topics) + 1))
    positions = range(len(topics))
    axes.barh([p + 0.2 for p in positions], [t.articles for t in topics], height=0.4, color="#a30000",
              label="Tuần này")
    axes.barh([p - 0.2 for p in positions], [t.previous for t in topics], height=0.4, color="#d9a3a3",
              label="Tuần trước")
    axes.scatter([t.average for t in topics], list(positions), marker="|", s=200, color="#222",
                 label="Trung bình 4 tuần", zorder=3)
    axes.set_yticks(list(positions), [t.name if len(t.name) < 48 else t.name[:46] + "…" for t in topics],
                    fontsize=8)
    axes.set_xlabel("Số bài")
    axes.legend(fontsize=8, loc="lower right")
    axes.set_title(f"Số bài theo chủ đề, tuần {digest.week}", fontsize=10)
    return _png(figure)


def coverage_heatmap(digest: Digest) -> bytes:
    """Sources × topics: how many articles each source published on each campaign this week."""
    topics = digest.topics
    matrix = [[line.topics.get(t.id, 0) for t in topics] for line in digest.sources]
    figure, axes = plt.subplots(figsize=(0.55 * len(topics) + 3, 0.5 * len(digest.sources) + 2))
    image = axes.imshow(matrix or [[0]], cmap="Reds", aspect="auto", vmin=0)
    # Names, not ids, wrapped: the longest campaign names run to some fifty characters.
    axes.set_xticks(range(len(topics)), ["\n".join(textwrap.wrap(t.name, 30)) for t in topics], rotation=60,
                    ha="right", rotation_mode="anchor", fontsize=7)
    axes.set_yticks(range(len(digest.sources)), [s.name for s in digest.sources], fontsize=8)
    for row, values in enumerate(matrix):
        for column, value in enumerate(values):
            axes.text(column, row, str(value), ha="center", va="center", fontsize=7,
                      color="white" if value and value >= max(max(matrix)) * 0.6 else "black")
    bar = figure.colorbar(image, ax=axes, shrink=0.8)
    bar.ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # article counts: no "1.25" (nor "1,25")
    axes.set_title(f"Độ phủ chủ đề theo nguồn, tuần {digest.week}", fontsize=10)
    return _png(figure)


# One colour per line: compared queries (at most four) or the split's topics or sources (at most MAX_LINES).
COLOURS = ("#a30000", "#1f5fa8", "#2e8b3a", "#c77700", "#7a3fa0", "#00838f", "#6d4c41", "#d81b60")
MAX_LINES = 6
LEGEND_PER_ROW = 4  # names of up to some 24 characters side by side


def _days(histograms: list[Mapping[str, float]], interval: str) -> list[date]:
    """Every bucket from the first to the last of any series, empty ones included: a gap shows as a gap."""
    keys = [date.fromisoformat(k) for h in histograms for k in h]
    if not keys:
        return []
    step = timedelta(days=7 if interval == "week" else 1)
    day, last, out = min(keys), max(keys), []
    while day <= last:
        out.append(day)
        day += step
    return out


def _percent(share: float) -> str:
    """A share as a Vietnamese percentage: decimal comma, one decimal where it matters."""
    return f"{share * 100:.1f}".removesuffix(".0").replace(".", ",") + "%"


def _count(value: float) -> str:
    return f"{round(value):,}".replace(",", ".")  # Vietnamese thousands separator


def timeline_svg(series: Mapping[str, Mapping[str, float]], interval: str, share: bool = False, width: int = 760,
                 height: int = 220, counted: str = "bài", compact: bool = False) -> Markup:
    """Articles (or what `counted` names) per day or week as SVG with Vietnamese labels: bars for one unnamed
    series (""), else coloured lines with a legend (name -> histogram); each bar or point's title gives its
    value. With share, the values are fractions of all coverage in their bucket and the axis reads in percent.
    Compact (a small chart in a table row, e.g. 240 × 70): no heading line (it stays the image's label),
    narrower margins and the first and last dates only."""
    days = _days(list(series.values()), interval)
    unit = "tuần" if interval == "week" else "ngày"
    heading = f"Tỷ lệ trên tổng số {counted} theo {unit}" if share else f"Số {counted} theo {unit}"
    bars = list(series) == [""]  # one unnamed series: bars without a legend
    legend_rows = 0 if bars else -(-len(series) // LEGEND_PER_ROW)
    left, right, top, bottom = (30, 4, 6, 16) if compact else (50, 10, 28, 34)
    top += 16 * legend_rows
    height += 16 * max(legend_rows - 1, 0)  # a second row of names pushes the plot down, not into it
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((n for h in series.values() for n in h.values()), default=0) or 1

    def shown(value: float) -> str:
        return _percent(value) if share else f"{_count(value)} {counted}"

    slot = plot_w / max(len(days), 1)
    parts = [Markup('<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}" role="img"'
                    ' aria-label="{}" font-family="DejaVu Sans, sans-serif" font-size="{}">')
             .format(width, height, width, height, heading, 9 if compact else 11),
             Markup("") if compact else
             Markup('<text x="{}" y="16" font-size="13" font-weight="bold">{}</text>').format(left, heading),
             Markup('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="#888"/>').format(
                 left, top + plot_h, left + plot_w, top + plot_h),
             Markup('<text x="{}" y="{}" text-anchor="end">{}</text>').format(
                 left - 6, top + 10, _percent(peak) if share else _count(peak)),
             Markup('<text x="{}" y="{}" text-anchor="end">{}</text>').format(
                 left - 6, top + plot_h, "0%" if share else "0")]
    every = max(1, len(days) - 1) if compact else max(1, round(len(days) / 8))  # some eight labels, or both ends
    for i, day in enumerate(days[::every]):
        anchor = ("start" if i == 0 else "end") if compact else "middle"  # a small chart's ends stay inside it
        parts.append(Markup('<text x="{:.1f}" y="{}" text-anchor="{}">{}</text>').format(
            left + (i * every + (i if compact else 0.5)) * slot, height - bottom + (12 if compact else 16), anchor,
            f"{day:%d/%m}"))
    prefix = "Tuần từ " if interval == "week" else ""
    for number, (name, histogram) in enumerate(series.items()):
        colour = COLOURS[number % len(COLOURS)]
        values = [histogram.get(day.isoformat(), 0) for day in days]
        if bars:
            # A bar a day is a thousand bars over three years: formatted as plain text (numbers, dates and
            # our own words, nothing to escape), many times quicker than Markup.format escaping each value.
            parts.append(Markup("".join(
                f'<rect x="{left + (i + 0.1) * slot:.1f}" y="{top + plot_h - plot_h * n / peak:.1f}" '
                f'width="{slot * 0.8:.1f}" height="{plot_h * n / peak:.1f}" fill="{colour}">'
                f'<title>{prefix}{day:%d/%m/%Y}: {shown(n)}</title></rect>'
                for i, (day, n) in enumerate(zip(days, values, strict=True)))))
            continue
        points = [(left + (i + 0.5) * slot, top + plot_h - plot_h * n / peak) for i, n in enumerate(values)]
        parts.append(Markup('<polyline fill="none" stroke="{}" stroke-width="2" points="{}"/>').format(
            colour, " ".join(f"{x:.1f},{y:.1f}" for x, y in points)))
        parts += [Markup('<circle cx="{:.1f}" cy="{:.1f}" r="3" fill="{}"><title>{}: {}{:%d/%m/%Y}: {}</title>'
                         '</circle>').format(x, y, colour, name, prefix, day, shown(n))
                  for (x, y), day, n in zip(points, days, values, strict=True)]
        row, column = divmod(number, LEGEND_PER_ROW)
        x, y = left + column * 175, 24 + 16 * row
        legend = name if len(name) <= 24 else name[:23] + "…"
        parts.append(Markup('<g class="legend"><title>{}</title><rect x="{}" y="{}" width="10" height="10" fill="{}"/>'
                            '<text x="{}" y="{}">{}</text></g>').format(name, x, y, colour, x + 14, y + 9, legend))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def svg_png(svg: str) -> bytes:
    """The very SVG drawn above as a PNG of the same size (white behind it, as on the page)."""
    # cairosvg loads the cairo shared library when imported: only the PNG downloads need it.
    import cairosvg

    return bytes(cairosvg.svg2png(bytestring=svg.encode(), background_color="white"))
