"""The layout of an entity page's neighbourhood picture, an inline SVG drawn on the server
(https://www.w3.org/TR/SVG2/, no JavaScript) by ``neighbourhood.svg``.

Resources that point at the entity stand in a column on the left, resources it points at in a
column on the right, the entity in the middle; each arrow carries the property's label and
each box links to that resource's page. Columns keep labels from overlapping however many
neighbours there are (the caller caps them). Coordinates are whole pixels.

>>> from kg.publish.entity import Neighbourhood, Node
>>> centre = Node("https://example.org/kg/id/party/UZB", "iri", "Uzbekistan")
>>> picture = layout(Neighbourhood(centre, (), ()))
>>> picture.height, picture.centre_label, picture.columns[0].rows
(90, 'Uzbekistan', ())
"""

from __future__ import annotations

from dataclasses import dataclass

from api.templates.filters import truncate
from kg.publish.entity import Link, Neighbourhood, Node

WIDTH = 1000
COLUMN = 250  # width of a neighbour box
CENTRE = 220  # width of the entity's box
ROW = 30  # vertical distance between neighbour boxes
BOX = 22  # height of a neighbour box
PAD = 12
LABEL_CHARS = 34
EDGE_CHARS = 30
CENTRE_CHARS = 28


@dataclass(frozen=True)
class Arrow:
    """The arrow between a neighbour and the entity, and its label (``title``: the
    properties' IRIs)."""

    x1: int
    y1: int
    x2: int
    y2: int
    label_x: int
    label_y: int
    anchor: str
    title: str
    label: str


@dataclass(frozen=True)
class Box:
    """A neighbour's box at (``x``, ``y``), its label cut to fit at (``text_x``, ``text_y``)."""

    node: Node
    x: int
    y: int
    text_x: int
    text_y: int
    label: str


@dataclass(frozen=True)
class More:
    """The note of how many neighbours of a column were left out, at (``x``, ``y``)."""

    x: int
    y: int
    count: int


@dataclass(frozen=True)
class Column:
    """One side of the picture: an arrow and a box per neighbour, then what was left out."""

    rows: tuple[tuple[Arrow, Box], ...]
    more: More | None


@dataclass(frozen=True)
class Picture:
    """Everything ``neighbourhood.svg`` draws."""

    centre: Node
    centre_label: str
    height: int
    columns: tuple[Column, Column]  # incoming (left), outgoing (right)
    #: The entity's box and its label.
    centre_x: int
    centre_y: int
    centre_text_x: int
    centre_text_y: int
    #: Where "no links to other resources" goes, when there are none.
    empty_note_y: int
    width: int = WIDTH
    box_width: int = COLUMN
    box_height: int = BOX
    centre_width: int = CENTRE

    @property
    def empty(self) -> bool:
        return not any(column.rows for column in self.columns)


def layout(hood: Neighbourhood) -> Picture:
    """Where each part of the picture of ``hood`` goes."""
    left = [*hood.incoming]
    right = [*hood.outgoing]
    rows = max(len(left) + bool(hood.more_incoming), len(right) + bool(hood.more_outgoing), 1)
    height = max(rows * ROW + 2 * PAD, 3 * ROW)
    mid_y = height / 2
    centre_x = (WIDTH - CENTRE) / 2

    def column(items: list[Link], more: int, x: float, incoming: bool) -> Column:
        count = len(items) + bool(more)
        top = mid_y - count * ROW / 2 + (ROW - BOX) / 2
        placed = []
        for i, link in enumerate(items):
            y = top + i * ROW
            edge_y = y + BOX / 2
            start = x + COLUMN if incoming else x  # the box side facing the centre
            end = centre_x if incoming else centre_x + CENTRE
            # An incoming arrow points at the entity, an outgoing one at the neighbour.
            x1, x2 = (start, end) if incoming else (end, start)
            y1, y2 = (edge_y, mid_y) if incoming else (mid_y, edge_y)
            anchor, label_x = ("start", start + 6) if incoming else ("end", start - 6)
            arrow = Arrow(
                x1=round(x1),
                y1=round(y1),
                x2=round(x2),
                y2=round(y2),
                label_x=round(label_x),
                label_y=round(edge_y - 4),
                anchor=anchor,
                title=" ".join(p.value for p in link.predicates),
                label=truncate(link.label, EDGE_CHARS),
            )
            box = Box(
                node=link.node,
                x=round(x),
                y=round(y),
                text_x=round(x + 8),
                text_y=round(y + 15),
                label=truncate(link.node.label, LABEL_CHARS),
            )
            placed.append((arrow, box))
        note = More(round(x + 8), round(top + len(items) * ROW + 15), more) if more else None
        return Column(tuple(placed), note)

    return Picture(
        centre=hood.centre,
        centre_label=truncate(hood.centre.label, CENTRE_CHARS),
        height=round(height),
        columns=(
            column(left, hood.more_incoming, PAD, incoming=True),
            column(right, hood.more_outgoing, WIDTH - PAD - COLUMN, incoming=False),
        ),
        centre_x=round(centre_x),
        centre_y=round(mid_y - 20),
        centre_text_x=round(WIDTH / 2),
        centre_text_y=round(mid_y + 5),
        empty_note_y=round(mid_y + 36),
    )
