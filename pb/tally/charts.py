"""Server-rendered SVG bar charts, readable without JavaScript and by screen readers.

The chart is one image (``role="img"``) named by its ``<title>`` and described by its
``<desc>`` through ``aria-labelledby``; the page always puts a data table with the same
numbers beside it, so no one depends on the picture. Colour never carries meaning alone:
each bar's text says "funded" or "not funded", and funded bars also have a dark outline.
No ``style`` attributes (the CSP forbids them); SVG presentation attributes are fine.
"""

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 360  # narrow, so that text stays readable when a phone scales the picture down
ROW_HEIGHT = 52
LABEL_GAP = 18  # from the top of a row to the baseline of its label
BAR_TOP = 24
BAR_HEIGHT = 18
FONT_SIZE = 14
LABEL_CHARS = 44  # longer names are shortened in the picture; the table shows them in full

HIGHLIGHT_FILL = "#1d6b3a"
HIGHLIGHT_STROKE = "#0b2e18"
PLAIN_FILL = "#8a8f98"
TEXT_FILL = "#1a1a1a"


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    value_text: str  # what is written after the bar, e.g. "1,234 votes – funded"
    highlighted: bool = False


def _shorten(text, limit=LABEL_CHARS):
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def bar_chart(bars, *, title, description, chart_id):
    """A horizontal bar chart of ``bars`` (in the given order) as safe SVG markup.

    ``chart_id`` must be unique on the page: the title and description ids derive from it.
    """
    bars = list(bars)
    largest = max((bar.value for bar in bars), default=0) or 1
    # Leave room after the longest bar for its value text.
    bar_room = WIDTH * 0.62
    height = max(ROW_HEIGHT * len(bars), ROW_HEIGHT)
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" role="img" '
        f'aria-labelledby="{escape(title_id)} {escape(desc_id)}" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" font-family="system-ui, sans-serif" font-size="{FONT_SIZE}">',
        f'<title id="{escape(title_id)}">{escape(title)}</title>',
        f'<desc id="{escape(desc_id)}">{escape(description)}</desc>',
    ]
    for row, bar in enumerate(bars):
        top = row * ROW_HEIGHT
        length = round(bar_room * max(bar.value, 0) / largest, 1)
        fill, stroke = (HIGHLIGHT_FILL, HIGHLIGHT_STROKE) if bar.highlighted else (PLAIN_FILL, "none")
        parts.append(
            f'<g><text x="0" y="{top + LABEL_GAP}" fill="{TEXT_FILL}">{escape(_shorten(bar.label))}</text>'
            f'<rect x="0" y="{top + BAR_TOP}" width="{max(length, 1.5)}" height="{BAR_HEIGHT}" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="2"/>'
            f'<text x="{length + 6}" y="{top + BAR_TOP + BAR_HEIGHT - 4}" fill="{TEXT_FILL}">'
            f"{escape(bar.value_text)}</text></g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
