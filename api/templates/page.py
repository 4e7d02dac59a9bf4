"""The page shell shared by server-rendered pages, escaping, and where an IRI's page lives.

>>> esc('<script>alert("x")</script>')
'&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'
>>> entity_href("https://w3id.org/mea-kg/id/party/UZB", "https://w3id.org/mea-kg")
'/id/party/UZB'
>>> entity_href("http://metadata.cbd.int/kmgbf/target_3", "https://w3id.org/mea-kg")
'/entity?iri=http%3A%2F%2Fmetadata.cbd.int%2Fkmgbf%2Ftarget_3'
"""

from __future__ import annotations

import html
from urllib.parse import quote, urlencode

#: Stylesheet of the entity pages (``api/static/entities/entity.css``).
STYLESHEET = "/static/entities/entity.css"


def esc(value: object) -> str:
    """``value`` as HTML text or attribute content (quotes escaped too)."""
    return html.escape(str(value), quote=True)


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


def layout(title: str, body: str, *, head: str = "") -> str:
    """A complete HTML page; ``title`` is escaped here, ``body`` and ``head`` must already be
    escaped HTML."""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)} · MEA knowledge graph</title>
<link rel="stylesheet" href="{STYLESHEET}">
{head}
</head>
<body>
<header class="site">
  <a class="brand" href="/">MEA knowledge graph</a>
  <nav><a href="/">Query editor</a> <a href="/docs">API</a></nav>
</header>
<main>
{body}
</main>
</body>
</html>
"""
