"""HTTP content negotiation with q-values (RFC 9110 §12.5.1).

>>> offered = ["application/sparql-results+json", "text/csv"]
>>> choose("text/csv;q=0.5, application/sparql-results+json", offered)
'application/sparql-results+json'
>>> choose("text/*;q=0.9, */*;q=0.1", offered)
'text/csv'
>>> choose("image/png", ["text/csv"]) is None
True
>>> choose("", ["text/turtle", "application/n-triples"])
'text/turtle'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float
    order: int

    def matches(self, media_type: str) -> bool:
        kind, _, sub = media_type.partition("/")
        return self.type in ("*", kind) and self.subtype in ("*", sub)

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")


def parse_accept(header: str) -> list[MediaRange]:
    """The media ranges of an ``Accept`` header; malformed parts are skipped."""
    ranges: list[MediaRange] = []
    for order, part in enumerate(header.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        kind, _, sub = media.partition("/")
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append(MediaRange(kind, sub, q, order))
    return ranges


def choose(accept: str | None, offered: Sequence[str]) -> str | None:
    """The offered media type the client prefers; the first offered one when ``Accept`` is
    absent or empty; ``None`` when nothing offered is acceptable (answer 406)."""
    if not accept or not accept.strip():
        return offered[0] if offered else None
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0] if offered else None
    best: tuple[float, int, int, int] | None = None
    chosen: str | None = None
    for index, media_type in enumerate(offered):
        matching = [r for r in ranges if r.matches(media_type)]
        if not matching:
            continue
        # The most specific range that matches decides the quality (RFC 9110 §12.5.1).
        rng = max(matching, key=lambda r: (r.specificity, -r.order))
        if rng.q <= 0:
            continue
        key = (rng.q, rng.specificity, -rng.order, -index)
        if best is None or key > best:
            best, chosen = key, media_type
    return chosen
