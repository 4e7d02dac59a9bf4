"""What the page templates call besides their data: where an IRI's page lives, and text cut to
fit a box.

>>> entity_href("https://w3id.org/mea-kg/id/party/UZB", "https://w3id.org/mea-kg")
'/id/party/UZB'
>>> entity_href("http://metadata.cbd.int/kmgbf/target_3", "https://w3id.org/mea-kg")
'/entity?iri=http%3A%2F%2Fmetadata.cbd.int%2Fkmgbf%2Ftarget_3'
"""

from __future__ import annotations

from urllib.parse import quote, urlencode


def truncate(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis.

    >>> truncate("Conserve 30% of Land, Waters and Seas", 12)
    'Conserve 30…'
    """
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def entity_href(iri: str, base_iri: str) -> str:
    """The local page of ``iri``: ``/id/{kind}/{key}`` for an entity under the base,
    ``/entity?iri=…`` for anything else (GBF concepts, ontology terms)."""
    prefix = base_iri.rstrip("/") + "/id/"
    if iri.startswith(prefix):
        kind, _, key = iri[len(prefix) :].partition("/")
        if kind and key and "/" not in key and "?" not in key and "#" not in key:
            return f"/id/{quote(kind, safe='')}/{quote(key, safe='')}"
    return "/entity?" + urlencode({"iri": iri})
