"""Charts of the query log as PNG images (matplotlib, Agg backend: no display needed).

Only matplotlib's object API is used (a Figure with its own Agg canvas, never pyplot's
global state), so charts may be drawn in worker threads while the bot keeps serving.
Labels are English and dates are ISO: no CJK font needs to be installed on the server.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence

from corpus.querylog.stats import DayCount

FOUND_COLOUR = "#2e7d32"
NOT_FOUND_COLOUR = "#c62828"
MAX_LABELS = 12  # more date labels than this overlap; matplotlib thins them out


def questions_per_day_png(
    days: Sequence[DayCount], *, title: str = "Questions per day (UTC+8)"
) -> bytes:
    """A stacked bar chart of questions per day, found (bottom) and not found (top).

    The series is also written into the PNG's ``Description`` text chunk as JSON
    (``[{"date", "found", "not_found"}, ...]``), so what a chart shows can be checked
    without reading pixels.
    """
    # Imported here: matplotlib costs a quarter of a second at every bot start.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    figure = Figure(figsize=(9, 4.5), dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(days)))
    found = [d.found for d in days]
    missed = [d.not_found for d in days]
    axes.bar(positions, found, color=FOUND_COLOUR, label="found")
    axes.bar(positions, missed, bottom=found, color=NOT_FOUND_COLOUR, label="nothing found")
    if days:
        step = max(1, -(-len(days) // MAX_LABELS))
        ticks = positions[::step]
        axes.set_xticks(ticks, [days[i].day.isoformat() for i in ticks], rotation=45, ha="right")
        axes.set_xlim(-0.6, len(days) - 0.4)
    else:
        axes.set_xticks([])
        axes.text(0.5, 0.5, "No questions in this period", ha="center", transform=axes.transAxes)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel("questions")
    # Title left, legend right, both above the bars so neither hides a day.
    axes.set_title(title, loc="left")
    axes.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, frameon=False)
    axes.grid(axis="y", alpha=0.3)
    series = [{"date": d.day.isoformat(), "found": d.found, "not_found": d.not_found} for d in days]
    buffer = io.BytesIO()
    figure.savefig(
        buffer,
        format="png",
        metadata={"Title": title, "Description": json.dumps(series), "Software": "linli"},
    )
    return buffer.getvalue()
