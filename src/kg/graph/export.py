"""Exports of the graph projection for desktop tools: GraphML (yEd, Cytoscape), GEXF (Gephi),
Cytoscape.js JSON (Cytoscape desktop and the browser) and DOT (Graphviz).

One :class:`Exporter` per format in the :data:`EXPORTERS` registry (``FORMAT -> class``).
Every exporter writes the same graph: node ids are IRIs; node attributes are ``iri``,
``label``, ``kind``, ``types``, ``conventions``, ``notation`` and every literal-valued property
under its CURIE (``dcterms:description``); edges carry a stable ``id``, the ``predicate``
CURIE, its ``label`` and ``inferred``. List-valued attributes are flattened to one string,
values joined by ``"; "`` (:data:`LIST_SEPARATOR`), since none of the formats has lists.

>>> import pyoxigraph as ox
>>> from kg.graph.projection import EXAMPLE_NQUADS, GraphProjection
>>> store = ox.Store()
>>> store.load(input=EXAMPLE_NQUADS, format=ox.RdfFormat.N_QUADS)
>>> g = GraphProjection.from_store(store, base_iri="https://w3id.org/mea-kg")
>>> sorted(EXPORTERS)
['cytoscape', 'dot', 'gexf', 'graphml']
>>> data = export(g, "cytoscape")
>>> import json; [e["data"]["predicate"] for e in json.loads(data)["elements"]["edges"]]
['mea:contributesToTarget', 'mea:hasOutcome']
"""

from __future__ import annotations

import io
import json
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import networkx as nx

from kg.graph.naming import edge_id
from kg.graph.projection import GraphProjection

__all__ = ["EXPORTERS", "ExportError", "Exporter", "export", "flatten"]

LIST_SEPARATOR = "; "

#: Node colours by kind (the browser view uses the same palette), hex RGB.
KIND_COLOURS: dict[str, str] = {
    "Agreement": "#1f77b4",
    "Decision": "#6baed6",
    "Meeting": "#9ecae1",
    "Centre": "#d62728",
    "Organisation": "#ff9896",
    "Country": "#8c564b",
    "Workplan": "#2ca02c",
    "Outcome": "#98df8a",
    "Activity": "#ff7f0e",
    "Event": "#ffbb78",
    "Output": "#c7c7c7",
    "Goal": "#9467bd",
    "Target": "#9467bd",
    "GBFIndicator": "#e377c2",
    "IndicatorClaim": "#f7b6d2",
    "Indicator": "#bcbd22",
    "Document": "#7f7f7f",
}
DEFAULT_COLOUR = "#aec7e8"


class ExportError(ValueError):
    """An export that cannot be made as asked (e.g. an unknown format)."""


def colour(kinds: Iterable[str]) -> str:
    """The colour of a node with these kinds (the first of :data:`KIND_COLOURS` it has)."""
    have = set(kinds)
    return next((c for k, c in KIND_COLOURS.items() if k in have), DEFAULT_COLOUR)


def _flat_value(value: Any) -> Any:
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value) if isinstance(value, (set, frozenset)) else list(value)
        return LIST_SEPARATOR.join(str(v) for v in items)
    return value


def flatten(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The projection's networkx copy with scalar attributes only (see module doc).

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("urn:a", label="A", kind="Workplan", kinds=frozenset({"Workplan"}),
    ...            types=("mea:Workplan",), conventions=("urn:cbd", "urn:tehran"),
    ...            notation=None, literals={"skos:altLabel": ("A1", "A2")})
    >>> flatten(g).nodes["urn:a"]["conventions"], flatten(g).nodes["urn:a"]["skos:altLabel"]
    ('urn:cbd; urn:tehran', 'A1; A2')
    """
    flat = nx.MultiDiGraph(name="MEA knowledge graph")
    for iri, data in graph.nodes(data=True):
        attrs: dict[str, Any] = {"iri": iri}
        for key, value in data.items():
            if key == "literals":
                attrs.update({p: _flat_value(v) for p, v in value.items()})
            elif key == "kinds":
                continue  # the closure of ``types``; ``types`` says it
            elif value is not None and value != ():
                attrs[key] = _flat_value(value)
        flat.add_node(iri, **attrs)
    for s, o, key, data in graph.edges(keys=True, data=True):
        predicate = data.get("predicate", key)
        flat.add_edge(
            s,
            o,
            key=key,
            id=edge_id(s, predicate, o),
            predicate=predicate,
            label=data.get("label", predicate),
            inferred=bool(data.get("inferred", False)),
        )
    return flat


#: Characters XML 1.0 does not allow in a document at all (``Char``, §2.2). A literal may hold
#: them (Turtle and N-Triples write ``\u0001``), but GraphML and GEXF are XML, and networkx
#: writes them as they are, which is not well-formed.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A flattened graph whose strings XML can hold: each character XML 1.0 forbids becomes
    U+FFFD (the replacement character). These exports are for looking at the graph, so a
    stray control character in a label is shown as replaced, not refused; the RDF exports
    keep it exactly. ``graph`` itself is returned when nothing needs replacing.

    >>> g = nx.MultiDiGraph()
    >>> g.add_node("urn:a", label="bell" + chr(7))
    >>> xml_safe(g).nodes["urn:a"]["label"] == "bell" + chr(0xFFFD)
    True
    """

    def clean(value: Any) -> Any:
        if isinstance(value, str) and _XML_FORBIDDEN.search(value):
            return _XML_FORBIDDEN.sub("\ufffd", value)
        return value

    def dirty(data: dict[str, Any]) -> bool:
        return any(isinstance(v, str) and _XML_FORBIDDEN.search(v) for v in data.values())

    if not any(dirty(d) for _, d in graph.nodes(data=True)) and not any(
        dirty(d) for *_, d in graph.edges(keys=True, data=True)
    ):
        return graph
    out = nx.MultiDiGraph(**graph.graph)
    for node, data in graph.nodes(data=True):
        out.add_node(clean(node), **{k: clean(v) for k, v in data.items()})
    for s, o, key, data in graph.edges(keys=True, data=True):
        out.add_edge(clean(s), clean(o), key=key, **{k: clean(v) for k, v in data.items()})
    return out


class Exporter(ABC):
    """One export format: its name, media type and file suffix, and how to write it."""

    name: ClassVar[str]
    media_type: ClassVar[str]
    suffix: ClassVar[str]
    description: ClassVar[str]

    @abstractmethod
    def write(self, graph: nx.MultiDiGraph) -> bytes:
        """Serialise a flattened graph (:func:`flatten`)."""


EXPORTERS: dict[str, type[Exporter]] = {}


def register(cls: type[Exporter]) -> type[Exporter]:
    EXPORTERS[cls.name] = cls
    return cls


@register
class GraphMLExporter(Exporter):
    """GraphML 1.0 (http://graphml.graphdrawing.org/specification.html): yEd, Cytoscape."""

    name = "graphml"
    media_type = "application/graphml+xml"
    suffix = ".graphml"
    description = "GraphML, for yEd and Cytoscape"

    def write(self, graph: nx.MultiDiGraph) -> bytes:
        out = io.BytesIO()
        # Edge ids from our stable ``id`` (GraphML wants them unique; the key is the
        # predicate, which is not).
        nx.write_graphml_xml(xml_safe(graph), out, edge_id_from_attribute="id")
        return out.getvalue()


@register
class GEXFExporter(Exporter):
    """GEXF 1.2 (https://gexf.net/): Gephi; nodes coloured by kind (``viz:color``)."""

    name = "gexf"
    media_type = "application/gexf+xml"
    suffix = ".gexf"
    description = "GEXF, for Gephi"

    def write(self, graph: nx.MultiDiGraph) -> bytes:
        coloured = xml_safe(graph).copy()
        for _, data in coloured.nodes(data=True):
            rgb = str(data.get("colour", DEFAULT_COLOUR))
            data["viz"] = {
                "color": {
                    "r": int(rgb[1:3], 16),
                    "g": int(rgb[3:5], 16),
                    "b": int(rgb[5:7], 16),
                    "a": 1.0,
                }
            }
        out = io.BytesIO()
        nx.write_gexf(coloured, out, version="1.2draft")
        return out.getvalue()


@register
class CytoscapeJSONExporter(Exporter):
    """Cytoscape.js elements JSON (https://js.cytoscape.org/#notation/elements-json), which
    Cytoscape desktop imports too; ``networkx.cytoscape_graph`` reads it back."""

    name = "cytoscape"
    media_type = "application/json"
    suffix = ".cyjs"
    description = "Cytoscape.js JSON, for Cytoscape and the browser"

    def write(self, graph: nx.MultiDiGraph) -> bytes:
        nodes = [
            {"data": {"id": n, "value": n, "name": d.get("label", n), **d}}
            for n, d in graph.nodes(data=True)
        ]
        edges = [
            {"data": {"source": s, "target": o, "key": k, **d}}
            for s, o, k, d in graph.edges(keys=True, data=True)
        ]
        doc = {
            "data": {"name": graph.graph.get("name", "")},
            "directed": True,
            "multigraph": True,
            "elements": {"nodes": nodes, "edges": edges},
        }
        return json.dumps(doc, ensure_ascii=False, indent=1).encode("utf-8")


def _dot_id(text: object) -> str:
    value = str(text).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{value}"'


def _dot_name(name: str) -> str:
    """An attribute name: bare when DOT allows it (``label``), else quoted (``"mea:x"``)."""
    return name if name.isidentifier() and name.isascii() else _dot_id(name)


def _dot_attrs(attrs: dict[str, Any]) -> str:
    return ", ".join(f"{_dot_name(k)}={_dot_id(v)}" for k, v in attrs.items())


@register
class DOTExporter(Exporter):
    """Graphviz DOT (https://graphviz.org/doc/info/lang.html); every id quoted."""

    name = "dot"
    media_type = "text/vnd.graphviz"
    suffix = ".dot"
    description = "DOT, for Graphviz"

    def write(self, graph: nx.MultiDiGraph) -> bytes:
        lines = [
            f"digraph {_dot_id(graph.graph.get('name', 'graph'))} {{",
            '  node [shape="box", style="rounded,filled"];',
        ]
        for n, d in graph.nodes(data=True):
            fill = d.get("colour", DEFAULT_COLOUR)
            lines.append(f"  {_dot_id(n)} [{_dot_attrs({**d, 'fillcolor': fill})}];")
        for s, o, _k, d in graph.edges(keys=True, data=True):
            lines.append(f"  {_dot_id(s)} -> {_dot_id(o)} [{_dot_attrs(d)}];")
        lines.append("}")
        return ("\n".join(lines) + "\n").encode("utf-8")


def export(
    g: GraphProjection,
    fmt: str,
    *,
    nodes: Iterable[str] | None = None,
    inferred: bool = False,
) -> bytes:
    """The whole projection, or the subgraph on ``nodes``, in format ``fmt``; inferred
    shortcut edges only if ``inferred``."""
    exporter = exporter_for(fmt)
    graph = g.to_networkx(nodes=nodes, inferred=inferred)
    for _, data in graph.nodes(data=True):
        data["colour"] = colour(data["kinds"])
    for _s, _o, key, data in graph.edges(keys=True, data=True):
        data["label"] = g.predicate_label(key)
    return exporter().write(flatten(graph))


def exporter_for(fmt: str) -> type[Exporter]:
    try:
        return EXPORTERS[fmt]
    except KeyError:
        known = ", ".join(sorted(EXPORTERS))
        raise ExportError(f"unknown export format {fmt!r}: use one of {known}") from None


#: How to read each format back with networkx (used by the tests; handy for users too).
READERS: dict[str, Callable[[bytes], nx.Graph]] = {
    "graphml": lambda data: nx.read_graphml(io.BytesIO(data), force_multigraph=True),
    "gexf": lambda data: nx.read_gexf(io.BytesIO(data)),
    "cytoscape": lambda data: nx.cytoscape_graph(json.loads(data)),
}
