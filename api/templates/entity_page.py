"""The HTML of an entity page and of its error pages (404, 400, 406).

Every value from the graph goes through :func:`~api.templates.page.esc`; links point at other
entity pages on this server."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from api.templates.neighbourhood import neighbourhood_svg
from api.templates.page import entity_href, esc, layout
from kg.publish.entity import Entity, Node, Statement, neighbourhood, short_name

#: Most incoming links listed in the table (the neighbourhood picture has its own cap).
INCOMING_ROWS = 200

#: ``?format=`` value -> label of the alternate-format link.
FORMAT_LABELS = {"ttl": "Turtle", "jsonld": "JSON-LD", "nt": "N-Triples"}


@dataclass(frozen=True)
class PageContext:
    """What the page needs besides the entity: the base IRI (for local links), the IRI of the
    inferred graph (to mark inferred links) and this page's own path with its query, if any,
    without ``format`` (for links to the other formats)."""

    base_iri: str
    inferred_graph: str
    self_path: str
    self_query: dict[str, str]

    def href(self, iri: str) -> str:
        return entity_href(iri, self.base_iri)

    def format_href(self, fmt: str) -> str:
        return f"{self.self_path}?{urlencode({**self.self_query, 'format': fmt})}"


def _link(node: Node, ctx: PageContext) -> str:
    return f'<a href="{esc(ctx.href(node.value))}" title="{esc(node.value)}">{esc(node.label)}</a>'


def _value(node: Node, ctx: PageContext) -> str:
    if node.is_iri:
        return _link(node, ctx)
    if node.kind == "blank":
        return f"<code>{esc(node.label)}</code>"
    tag = ""
    if node.language:
        tag = f' <span class="tag">@{esc(node.language)}</span>'
    elif node.datatype:
        tag = f' <span class="tag">{esc(short_name(node.datatype))}</span>'
    return f'<span class="literal">{esc(node.value)}</span>{tag}'


def _graph_name(graph: str, base_iri: str) -> str:
    prefix = base_iri.rstrip("/") + "/graph/"
    return graph[len(prefix) :] if graph.startswith(prefix) else graph


def _badge(statement: Statement, ctx: PageContext) -> str:
    if statement.only_in(ctx.inferred_graph):
        return ' <span class="badge" title="materialised by the reasoner">inferred</span>'
    return ""


def _provenance(entity: Entity, ctx: PageContext) -> str:
    prov = entity.provenance
    rows = []
    for doc in prov.documents:
        details = [esc(doc.title)] if doc.title and doc.title != doc.node.label else []
        details += [f"<code>{esc(s)}</code>" for s in doc.symbols]
        if doc.date:
            details.append(esc(doc.date))
        if doc.source_file:
            details.append(f"seed file <code>{esc(doc.source_file)}</code>")
        extra = f'<div class="detail">{"; ".join(details)}</div>' if details else ""
        rows.append(f"<dt>Document</dt><dd>{_link(doc.node, ctx)}{extra}</dd>")
    for locator in prov.locators:
        rows.append(f'<dt>Where in it</dt><dd class="locator">{esc(locator)}</dd>')
    for note in prov.notes:
        rows.append(f"<dt>Source note</dt><dd>{esc(note)}</dd>")
    graphs = [
        f'<li><code title="{esc(g)}">{esc(_graph_name(g, ctx.base_iri))}</code> '
        f'<span class="count">{n} triple{"s" if n != 1 else ""}</span></li>'
        for g, n in sorted(prov.graphs, key=lambda gn: (gn[0] == ctx.inferred_graph, -gn[1]))
    ]
    if graphs:
        rows.append(f'<dt>Named graph</dt><dd><ul class="graphs">{"".join(graphs)}</ul></dd>')
    if not rows:
        return ""
    return f'<section id="provenance"><h2>Provenance</h2><dl>{"".join(rows)}</dl></section>'


def _outgoing(entity: Entity, ctx: PageContext) -> str:
    """One row per property, its values listed in the row (the statements come sorted)."""
    if not entity.outgoing:
        return ""
    groups: dict[str, list[Statement]] = {}
    for s in entity.outgoing:
        groups.setdefault(s.predicate.value, []).append(s)
    rows = []
    for statements in groups.values():
        values = "".join(f"<li>{_value(s.node, ctx)}{_badge(s, ctx)}</li>" for s in statements)
        many_links = len(statements) > 4 and all(s.node.is_iri for s in statements)
        css = "values inline" if many_links else "values"
        rows.append(
            f'<tr><th scope="row">{_link(statements[0].predicate, ctx)}</th>'
            f'<td><ul class="{css}">{values}</ul></td></tr>'
        )
    return (
        f'<section id="outgoing"><h2>Properties and links <span class="count">'
        f"{len(entity.outgoing)}</span></h2>"
        f'<table class="statements"><tbody>{"".join(rows)}</tbody></table></section>'
    )


def _incoming(entity: Entity, ctx: PageContext) -> str:
    if not entity.incoming:
        return ""
    shown = entity.incoming[:INCOMING_ROWS]
    rows = "".join(
        f"<tr><td>{_value(s.node, ctx)}</td>"
        f'<th scope="row">{_link(s.predicate, ctx)}{_badge(s, ctx)}</th>'
        f'<td class="this">this</td></tr>'
        for s in shown
    )
    more = len(entity.incoming) - len(shown)
    note = (
        f'<p class="more">… and {more} more (ask the SPARQL endpoint for all).</p>' if more else ""
    )
    return (
        f'<section id="incoming"><h2>Referenced by <span class="count">'
        f"{len(entity.incoming)}</span></h2>"
        f'<table class="statements incoming"><thead><tr><th>resource</th><th>property</th>'
        f"<th></th></tr></thead><tbody>{rows}</tbody></table>{note}</section>"
    )


def render_entity(entity: Entity, ctx: PageContext) -> str:
    """The entity page."""
    types = " ".join(f'<span class="type">{_link(t, ctx)}</span>' for t in entity.types)
    formats = " · ".join(
        f'<a href="{esc(ctx.format_href(fmt))}" rel="alternate">{label}</a>'
        for fmt, label in FORMAT_LABELS.items()
    )
    uses = (
        f'<p class="uses">Used as the property of {entity.predicate_uses} triples.</p>'
        if entity.predicate_uses
        else ""
    )
    hood = neighbourhood(entity, inferred_graph=ctx.inferred_graph)
    picture = neighbourhood_svg(hood, ctx.href) if hood.outgoing or hood.incoming else ""
    picture_section = (
        f'<section id="neighbourhood"><h2>Neighbourhood</h2>{picture}</section>' if picture else ""
    )
    body = f"""<article class="entity">
<h1>{esc(entity.label)}</h1>
<p class="iri"><code>{esc(entity.iri)}</code></p>
{f'<p class="types">{types}</p>' if types else ""}
<p class="formats">Also as {formats}</p>
{uses}
{_provenance(entity, ctx)}
{picture_section}
{_outgoing(entity, ctx)}
{_incoming(entity, ctx)}
</article>"""
    head = "\n".join(
        f'<link rel="alternate" type="{media}" href="{esc(ctx.format_href(fmt))}">'
        for fmt, media in (
            ("ttl", "text/turtle"),
            ("jsonld", "application/ld+json"),
            ("nt", "application/n-triples"),
        )
    )
    return layout(entity.label, body, head=head)


def render_error(title: str, message: str, iri: str | None) -> str:
    """An error page (404, 400, 406): what went wrong and which IRI was asked for, escaped."""
    shown = f'<p class="iri"><code>{esc(iri)}</code></p>' if iri else ""
    body = f"""<article class="entity error">
<h1>{esc(title)}</h1>
<p>{esc(message)}</p>
{shown}
<p>Look for resources with the <a href="/">query editor</a>.</p>
</article>"""
    return layout(title, body)
