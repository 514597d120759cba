"""Digest charts as PNG bytes (matplotlib, headless)."""

import io
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
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
