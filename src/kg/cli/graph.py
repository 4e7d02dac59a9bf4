"""``kg indicators``, ``kg reverse``, ``kg path``, ``kg neighbours``, ``kg coverage``,
``kg centrality``, ``kg graph-export``: graph traversal, analysis and exports.

Each builds the graph projection of the built store once, answers, and prints a table (or,
with ``--format json``, the same JSON the ``/api`` endpoints serve). A question the graph
cannot answer as asked (an unknown or ambiguous name) is one line on stderr and exit 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from pydantic import BaseModel

from kg.cli.exits import EXIT_OK, EXIT_USAGE, err
from kg.query.table import text_table
from kg.settings import Settings

MAX_CELL = 70


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table, long cells cut to :data:`MAX_CELL` characters."""
    return text_table(headers, rows, max_cell=MAX_CELL)


def _run(
    args: argparse.Namespace,
    settings: Settings,
    answer: Callable[..., BaseModel],
    render: Callable[[BaseModel], str],
) -> int:
    from kg.graph.answers import AmbiguousEntity, TraversalError
    from kg.graph.projection import load_projection

    graph = load_projection(settings)
    try:
        result = answer(graph)
    except AmbiguousEntity as error:
        shown = "; ".join(f"{c.label} <{c.iri}>" for c in error.candidates)
        err(f"{error}: {shown}")
        return EXIT_USAGE
    except TraversalError as error:
        err(str(error))
        return EXIT_USAGE
    if args.format == "json":
        sys.stdout.write(result.model_dump_json(indent=2) + "\n")
    else:
        sys.stdout.write(render(result))
    return EXIT_OK


def _heading(node: object) -> str:
    from kg.graph.answers import NodeRef

    assert isinstance(node, NodeRef)
    return f"{node.kind}: {node.label}\n  <{node.iri}>\n"


# ---------------------------------------------------------------------- renderers


def render_indicators(result: BaseModel) -> str:
    from kg.graph.answers import IndicatorsAnswer

    assert isinstance(result, IndicatorsAnswer)
    out = [
        _heading(result.entity),
        f"\nOfficial GBF headline indicators ({len(result.indicators)})\n",
    ]
    out.append(
        table(
            ["code", "title", "via targets", "paths", "iri"],
            [
                [
                    i.code,
                    i.title,
                    ", ".join(t.code or t.label for t in i.targets),
                    i.path_count,
                    i.iri,
                ]
                for i in result.indicators
            ],
        )
    )
    for i in result.indicators:
        out.append(f"\n{i.code}:\n")
        out += [f"  {p.text()}\n" for p in i.paths]
        if i.path_count > len(i.paths):
            out.append(f"  … {i.path_count - len(i.paths)} more path(s)\n")
    statuses = ", ".join(f"{n} {s}" for s, n in result.claims_by_status.items()) or "none"
    out.append(f"\nIndicator claims in the documents ({len(result.claims)}: {statuses})\n")
    out.append(
        table(
            ["code", "status", "claimed title", "official", "claimed by"],
            [
                [
                    c.code,
                    c.status,
                    c.claimed_title,
                    c.official.code if c.official else "",
                    c.claimed_by.label,
                ]
                for c in result.claims
            ],
        )
    )
    return "".join(out)


def render_contributors(result: BaseModel) -> str:
    from kg.graph.answers import ContributorsAnswer

    assert isinstance(result, ContributorsAnswer)
    out = [_heading(result.entity)]
    out.append("through: " + ", ".join(t.label for t in result.targets) + "\n")
    for name in (
        "conventions",
        "centres",
        "workplans",
        "outcomes",
        "activities",
        "organisations",
        "other",
        "parties",
    ):
        refs = getattr(result, name)
        out.append(f"\n{name} ({len(refs)})\n")
        out += [f"  {r.label}  <{r.iri}>\n" for r in refs]
    return "".join(out)


def render_paths(result: BaseModel) -> str:
    from kg.graph.answers import PathsAnswer

    assert isinstance(result, PathsAnswer)
    if result.hops is None:
        return (
            f"no path of at most {result.max_hops} hops between {result.source.label!r} "
            f"and {result.target.label!r}\n"
        )
    out = [f"{len(result.paths)} shortest path(s) of {result.hops} hop(s)\n"]
    out += [f"  {p.text()}\n" for p in result.paths]
    return "".join(out)


def render_subgraph(result: BaseModel) -> str:
    from kg.graph.answers import Subgraph

    assert isinstance(result, Subgraph)
    out = [_heading(result.center)] if result.center else []
    out.append(f"\n{len(result.nodes)} nodes within {result.depth} hop(s)")
    out.append(" (cut at the limit)\n" if result.truncated else "\n")
    out.append(
        table(
            ["hops", "kind", "label", "iri"],
            [[n.distance, n.kind, n.label, n.iri] for n in result.nodes],
        )
    )
    out.append(f"\n{len(result.edges)} edges\n")
    labels = {n.iri: n.label for n in result.nodes}
    out.append(
        table(
            ["source", "predicate", "target"],
            [[labels[e.source], e.predicate, labels[e.target]] for e in result.edges],
        )
    )
    return "".join(out)


def render_coverage(result: BaseModel) -> str:
    from kg.graph.answers import CoverageAnswer, CoverageRow

    assert isinstance(result, CoverageAnswer)
    scope = []
    if result.party:
        scope.append(f"party {result.party.label}")
    if result.convention:
        scope.append(f"convention {result.convention.label}")
    out = [f"GBF coverage{' for ' + ' and '.join(scope) if scope else ''}\n\n"]

    def rows(items: list[CoverageRow]) -> list[list[object]]:
        return [
            [
                r.item.code,
                "yes" if r.addressed else "GAP",
                r.counts["activities"],
                r.counts["workplans"],
                ", ".join(c.label for c in r.centres),
                ", ".join(c.label for c in r.conventions),
                r.counts["parties"],
            ]
            for r in items
        ]

    headers = ["code", "addressed", "activities", "workplans", "centres", "conventions", "parties"]
    out.append("Targets\n" + table(headers, rows(result.targets)))
    out.append("\nHeadline indicators\n" + table(headers, rows(result.indicators)))
    out.append(f"\nTargets nobody addresses ({len(result.gaps['targets'])}): ")
    out.append(", ".join(result.gaps["targets"]) + "\n")
    out.append(f"Headline indicators nobody addresses ({len(result.gaps['indicators'])}): ")
    out.append(", ".join(result.gaps["indicators"]) + "\n")
    return "".join(out)


def render_centrality(result: BaseModel) -> str:
    from kg.graph.answers import CentralityAnswer

    assert isinstance(result, CentralityAnswer)
    return table(
        ["conventions", "betweenness", "degree", "kind", "label", "bridges"],
        [
            [
                len(r.conventions),
                f"{r.betweenness:.4f}",
                r.degree,
                r.node.kind,
                r.node.label,
                ", ".join(c.label.split(" ")[0] for c in r.conventions),
            ]
            for r in result.rows
        ],
    )


# ---------------------------------------------------------------------- commands


def cmd_indicators(args: argparse.Namespace, settings: Settings) -> int:
    from kg.graph.contribution import indicators

    return _run(
        args,
        settings,
        lambda g: indicators(g, args.entity, max_paths=args.paths),
        render_indicators,
    )


def cmd_reverse(args: argparse.Namespace, settings: Settings) -> int:
    from kg.graph.contribution import contributors

    return _run(args, settings, lambda g: contributors(g, args.entity), render_contributors)


def cmd_path(args: argparse.Namespace, settings: Settings) -> int:
    from kg.graph.traverse import paths

    return _run(
        args,
        settings,
        lambda g: paths(
            g,
            args.source,
            args.target,
            max_hops=args.max,
            limit=args.limit,
            include_bookkeeping=args.all_links,
            inferred=args.inferred,
        ),
        render_paths,
    )


def cmd_neighbours(args: argparse.Namespace, settings: Settings) -> int:
    from kg.graph.traverse import neighbours

    return _run(
        args,
        settings,
        lambda g: neighbours(
            g,
            args.entity,
            depth=args.depth,
            kinds=args.kind or (),
            inferred=args.inferred,
            limit=args.limit,
        ),
        render_subgraph,
    )


def cmd_coverage(args: argparse.Namespace, settings: Settings) -> int:
    from kg.graph.analyses import coverage

    return _run(
        args,
        settings,
        lambda g: coverage(g, party=args.party, convention=args.convention),
        render_coverage,
    )


def cmd_centrality(args: argparse.Namespace, settings: Settings) -> int:
    from kg.graph.analyses import BRIDGE_KINDS, centrality

    return _run(
        args,
        settings,
        lambda g: centrality(g, kinds=args.kind or BRIDGE_KINDS, limit=args.limit),
        render_centrality,
    )


def cmd_graph_export(args: argparse.Namespace, settings: Settings) -> int:
    from kg.graph.answers import AmbiguousEntity, TraversalError
    from kg.graph.export import ExportError, export, exporter_for
    from kg.graph.projection import load_projection
    from kg.graph.traverse import export_scope

    try:
        exporter_for(args.format)
    except ExportError as error:
        err(str(error))
        return EXIT_USAGE
    graph = load_projection(settings)
    try:
        nodes = export_scope(
            graph,
            around=args.around,
            depth=args.depth,
            source=args.source,
            target=args.target,
            max_hops=args.max,
            convention=args.convention,
        )
    except AmbiguousEntity as error:
        err(f"{error}: " + "; ".join(f"{c.label} <{c.iri}>" for c in error.candidates))
        return EXIT_USAGE
    except TraversalError as error:
        err(str(error))
        return EXIT_USAGE
    data = export(graph, args.format, nodes=nodes, inferred=args.inferred)
    if args.output in (None, "-"):
        sys.stdout.buffer.write(data)
    else:
        Path(args.output).write_bytes(data)
        print(f"wrote {len(data)} bytes to {args.output}", file=sys.stderr)
    return EXIT_OK


def _formats(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=["table", "json"], default="table")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the graph subcommands (importing nothing heavy: every ``kg`` call runs this)."""
    p = subparsers.add_parser(
        "indicators",
        help="GBF headline indicators reached from an activity, outcome, workplan or centre",
    )
    p.add_argument("entity", help="IRI, CURIE, kind/key or label")
    p.add_argument("--paths", type=int, default=5, help="paths shown per indicator (default 5)")
    _formats(p)
    p.set_defaults(func=cmd_indicators)

    p = subparsers.add_parser(
        "reverse", help="activities, centres and conventions behind a GBF target or indicator"
    )
    p.add_argument("entity", help="IRI, CURIE (kmgbf:target_3) or label")
    _formats(p)
    p.set_defaults(func=cmd_reverse)

    p = subparsers.add_parser("path", help="shortest paths between two entities")
    p.add_argument("source", help="IRI, CURIE, kind/key or label")
    p.add_argument("target", help="IRI, CURIE, kind/key or label")
    p.add_argument("--max", type=int, default=6, help="most hops (1-8, default 6)")
    p.add_argument("--limit", type=int, default=10, help="most paths shown (default 10)")
    p.add_argument(
        "--all-links",
        action="store_true",
        help="also walk provenance and scheme links (mea:fromDocument, skos:inScheme ...)",
    )
    p.add_argument("--inferred", action="store_true", help="also walk inferred shortcuts")
    _formats(p)
    p.set_defaults(func=cmd_path)

    p = subparsers.add_parser("neighbours", help="an entity's neighbourhood to a depth")
    p.add_argument("entity", help="IRI, CURIE, kind/key or label")
    p.add_argument("--depth", type=int, default=1, help="hops (0-3, default 1)")
    p.add_argument("--kind", action="append", help="keep only nodes of this class (repeatable)")
    p.add_argument("--inferred", action="store_true", help="also walk inferred shortcuts")
    p.add_argument("--limit", type=int, default=300, help="most nodes (default 300)")
    _formats(p)
    p.set_defaults(func=cmd_neighbours)

    p = subparsers.add_parser(
        "coverage", help="who addresses each GBF target and headline indicator; the gaps"
    )
    p.add_argument("--party", help="only contributions for this Party (UZB, Uzbekistan, IRI)")
    p.add_argument("--convention", help="only contributions under this convention (cbd ...)")
    _formats(p)
    p.set_defaults(func=cmd_coverage)

    p = subparsers.add_parser(
        "centrality", help="decisions, centres and organisations that bridge conventions"
    )
    p.add_argument("--kind", action="append", help="rank nodes of this class (repeatable)")
    p.add_argument("--limit", type=int, default=20, help="rows (default 20)")
    _formats(p)
    p.set_defaults(func=cmd_centrality)

    p = subparsers.add_parser(
        "graph-export", help="the graph (or a subgraph) as GraphML, GEXF, Cytoscape JSON or DOT"
    )
    p.add_argument(
        "--format",
        required=True,
        help="graphml (yEd, Cytoscape), gexf (Gephi), cytoscape (Cytoscape.js JSON) or dot",
    )
    p.add_argument("-o", "--output", help="file to write (default: standard output)")
    scope = p.add_argument_group("subgraph (default: the whole graph)")
    scope.add_argument("--around", metavar="ENTITY", help="the neighbourhood of this entity")
    scope.add_argument("--depth", type=int, default=1, help="with --around: hops (default 1)")
    scope.add_argument("--from", dest="source", metavar="ENTITY", help="shortest paths from")
    scope.add_argument("--to", dest="target", metavar="ENTITY", help="shortest paths to")
    scope.add_argument("--max", type=int, default=6, help="with --from/--to: most hops")
    scope.add_argument("--convention", help="one convention's part of the graph (basel ...)")
    p.add_argument("--inferred", action="store_true", help="include inferred shortcut edges")
    p.set_defaults(func=cmd_graph_export)
