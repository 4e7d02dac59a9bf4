"""The neighbourhood picture of an entity page: an inline SVG drawn on the server
(https://www.w3.org/TR/SVG2/), no JavaScript.

Resources that point at the entity stand in a column on the left, resources it points at in a
column on the right, the entity in the middle; each arrow carries the property's label and
each box links to that resource's page. Columns keep labels from overlapping however many
neighbours there are (the caller caps them).

>>> from kg.publish.entity import Link, Neighbourhood, Node
>>> centre = Node("https://example.org/kg/id/party/UZB", "iri", "Uzbekistan")
>>> svg = neighbourhood_svg(Neighbourhood(centre, (), ()), lambda iri: "/x")
>>> svg.startswith("<svg") and "Uzbekistan" in svg
True
"""

from __future__ import annotations

from collections.abc import Callable

from api.templates.page import esc, truncate
from kg.publish.entity import Link, Neighbourhood, Node

WIDTH = 1000
COLUMN = 250  # width of a neighbour box
CENTRE = 220  # width of the entity's box
ROW = 30  # vertical distance between neighbour boxes
BOX = 22  # height of a neighbour box
PAD = 12
LABEL_CHARS = 34
EDGE_CHARS = 30


def _box(x: float, y: float, node: Node, href: str, css: str) -> str:
    return (
        f'<a href="{esc(href)}" class="nb-link">'
        f"<title>{esc(node.label)} ({esc(node.value)})</title>"
        f'<rect class="{css}" x="{x:.0f}" y="{y:.0f}" width="{COLUMN}" height="{BOX}" rx="4"/>'
        f'<text x="{x + 8:.0f}" y="{y + 15:.0f}">{esc(truncate(node.label, LABEL_CHARS))}</text>'
        "</a>"
    )


def neighbourhood_svg(hood: Neighbourhood, href: Callable[[str], str]) -> str:
    """The SVG markup of ``hood``; ``href(iri)`` gives the page a box links to."""
    left = [*hood.incoming]
    right = [*hood.outgoing]
    rows = max(len(left) + bool(hood.more_incoming), len(right) + bool(hood.more_outgoing), 1)
    height = max(rows * ROW + 2 * PAD, 3 * ROW)
    mid_y = height / 2
    centre_x = (WIDTH - CENTRE) / 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="neighbourhood" '
        f'viewBox="0 0 {WIDTH} {height:.0f}" width="100%" role="img" '
        f'aria-label="Links of {esc(hood.centre.label)}">',
        "<defs>"
        '<marker id="nb-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>'
        "</defs>",
    ]

    def column(items: list[Link], more: int, x: float, incoming: bool) -> None:
        count = len(items) + bool(more)
        top = mid_y - count * ROW / 2 + (ROW - BOX) / 2
        for i, link in enumerate(items):
            y = top + i * ROW
            edge_y = y + BOX / 2
            start = x + COLUMN if incoming else x  # the box side facing the centre
            end = centre_x if incoming else centre_x + CENTRE
            # An incoming arrow points at the entity, an outgoing one at the neighbour.
            x1, x2 = (start, end) if incoming else (end, start)
            y1, y2 = (edge_y, mid_y) if incoming else (mid_y, edge_y)
            parts.append(
                f'<line class="nb-edge" x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" '
                f'y2="{y2:.0f}" marker-end="url(#nb-arrow)"/>'
            )
            anchor, label_x = ("start", start + 6) if incoming else ("end", start - 6)
            parts.append(
                f'<text class="nb-edge-label" x="{label_x:.0f}" y="{edge_y - 4:.0f}" '
                f'text-anchor="{anchor}"><title>{esc(" ".join(p.value for p in link.predicates))}'
                f"</title>{esc(truncate(link.label, EDGE_CHARS))}</text>"
            )
            parts.append(_box(x, y, link.node, href(link.node.value), "nb-node"))
        if more:
            y = top + len(items) * ROW + 15
            parts.append(f'<text class="nb-more" x="{x + 8:.0f}" y="{y:.0f}">+ {more} more</text>')

    column(left, hood.more_incoming, PAD, incoming=True)
    column(right, hood.more_outgoing, WIDTH - PAD - COLUMN, incoming=False)
    parts.append(
        f'<g class="nb-centre"><title>{esc(hood.centre.value)}</title>'
        f'<rect x="{centre_x:.0f}" y="{mid_y - 20:.0f}" width="{CENTRE}" height="40" rx="6"/>'
        f'<text x="{WIDTH / 2:.0f}" y="{mid_y + 5:.0f}" text-anchor="middle">'
        f"{esc(truncate(hood.centre.label, 28))}</text></g>"
    )
    if not left and not right:
        parts.append(
            f'<text class="nb-more" x="{WIDTH / 2:.0f}" y="{mid_y + 36:.0f}" '
            'text-anchor="middle">no links to other resources</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
