"""From a matplotlib figure to inline SVG, for monitoring.dashboards.charts: drawn once per picture, with ids of its own.

The SVG keeps its text as text (``svg.fonttype = "none"``), carries ``role="img"`` with a ``<title>`` and a
``<desc>`` that say what the chart shows, and has every id prefixed so that two charts on one page never
clash. Matplotlib's inline ``style`` attributes become SVG presentation attributes, so a Content-Security-Policy
without 'unsafe-inline' styles leaves the charts as they are.

Drawing takes a tenth of a second, so finished drawings are kept (by the repr of their data) and only their ids
are made fresh on each call.
"""

from __future__ import annotations

import io
import re
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from html import escape

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402  (the backend is chosen before pyplot's machinery loads)

# Applied around each drawing (rc_context), so that importing this module changes no other figure's style.
STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "partnership-monitor",
    "font.family": "sans-serif",
    "font.sans-serif": ["Arial", "Helvetica", "DejaVu Sans"],
    "font.size": 10,
    "axes.edgecolor": "#505a5f",
    "axes.labelcolor": "#0b0c0c",
    "xtick.color": "#0b0c0c",
    "ytick.color": "#0b0c0c",
    "axes.spines.top": False,
    "axes.spines.right": False,
}


_DRAWINGS: OrderedDict[str, str] = OrderedDict()
_DRAWINGS_KEPT = 256
_DRAWINGS_LOCK = threading.Lock()
_PREFIX = "chart-0000000000"


def drawn(data, draw: Callable[..., Figure], *, title: str, description: str) -> str:
    """Return the drawing of the data, kept from an earlier call when there is one, with ids of its own."""
    key = f"{draw.__name__}:{data!r}"
    with _DRAWINGS_LOCK:
        svg = _DRAWINGS.get(key)
        if svg is not None:
            _DRAWINGS.move_to_end(key)
    if svg is None:
        with matplotlib.rc_context(STYLE):
            svg = _to_svg(draw(data), title=title, description=description)
        with _DRAWINGS_LOCK:
            _DRAWINGS[key] = svg
            while len(_DRAWINGS) > _DRAWINGS_KEPT:
                _DRAWINGS.popitem(last=False)
    return svg.replace(_PREFIX, f"chart-{uuid.uuid4().hex[:10]}")


_DROP = [
    re.compile(r"<\?xml[^>]*\?>\s*"),
    re.compile(r"<!DOCTYPE[^>]*>\s*", re.DOTALL),
    re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL),
    # A <style> inside inline SVG applies to the whole page; its two rules become attributes of the root.
    re.compile(r"<style[^>]*>.*?</style>\s*", re.DOTALL),
    re.compile(r"<!--.*?-->\s*", re.DOTALL),
]
_ID = re.compile(r'\sid="([^"]+)"')
_REFERENCE = re.compile(r'(xlink:href="#|href="#|url\(#)([^")]+)')
_STYLE = re.compile(r'\sstyle="([^"]*)"')
# The CSS properties matplotlib writes, all of which SVG also takes as presentation attributes.
PRESENTATION_ATTRIBUTES = {
    "fill", "fill-opacity", "stroke", "stroke-width", "stroke-opacity", "stroke-linecap", "stroke-linejoin",
    "stroke-dasharray", "stroke-dashoffset", "stroke-miterlimit", "opacity", "font-size", "font-family",
    "font-weight", "font-style", "text-anchor", "dominant-baseline",
}


def _attributes(match: re.Match) -> str:
    attributes = []
    for declaration in match[1].split(";"):
        name, _, value = declaration.partition(":")
        name, value = name.strip(), value.strip()
        if not name:
            continue
        if name not in PRESENTATION_ATTRIBUTES:
            raise ValueError(f"Matplotlib wrote a style property SVG has no attribute for: {name!r}")
        attributes.append(f' {name}="{value}"')
    return "".join(attributes)


def _to_svg(figure: Figure, *, title: str, description: str) -> str:
    """Return the figure as inline-safe SVG: no prolog, metadata or styles, placeholder ids, title and description."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    for pattern in _DROP:
        svg = pattern.sub("", svg)
    referenced = {match[2] for match in _REFERENCE.finditer(svg)}
    svg = _ID.sub(lambda match: f' id="{_PREFIX}-{match[1]}"' if match[1] in referenced else "", svg)
    svg = _REFERENCE.sub(lambda match: f"{match[1]}{_PREFIX}-{match[2]}", svg)
    svg = _STYLE.sub(_attributes, svg)
    svg = re.sub(r"<defs>\s*</defs>\s*", "", svg)
    head = (
        f'<svg role="img" aria-labelledby="{_PREFIX}-title {_PREFIX}-desc" focusable="false" '
        'class="app-chart__svg" stroke-linejoin="round" stroke-linecap="butt" '
    )
    svg = svg.replace("<svg ", head, 1)
    # The viewBox keeps the proportions; the width follows the column the chart is placed in.
    svg = re.sub(r'(<svg [^>]*?)\swidth="[^"]*" height="[^"]*"', r'\1 width="100%"', svg, count=1)
    opening_end = svg.index(">", svg.index("<svg")) + 1
    svg = (
        svg[:opening_end]
        + f'\n <title id="{_PREFIX}-title">{escape(title)}</title>'
        + f'\n <desc id="{_PREFIX}-desc">{escape(description)}</desc>'
        + svg[opening_end:]
    )
    return svg.strip()
