"""How many times pySHACL validates a focus node with a shape, as a SPARQL query.

pySHACL reports a property shape once per node shape that uses it, and once per (focus, value)
pair of a property shape that uses it; so a focus node reached more than one way has its
results repeated. :class:`ParentCounts` writes, for a shape that may be reached more than
once, the query behind :attr:`kg.shacl.model.ConstraintQuery.parents_sparql`: it counts the
ways that reach each focus node listed where :data:`kg.shacl.model.FOCUS_VALUES` stands (the
few that break a rule, filled in by :mod:`kg.shacl.in_store`).
"""

from __future__ import annotations

from rdflib.term import Node

from kg.shacl.model import FOCUS_VALUES, INTERNAL, PARENT
from kg.shacl.paths import sparql_path
from kg.shacl.shapes_graph import ShapesGraph
from kg.shacl.sparql_text import sparql_string
from kg.shacl.targets import Targets

__all__ = ["ParentCounts"]


class ParentCounts:
    """The ways pySHACL reaches the focus nodes of the shapes of ``shapes``."""

    def __init__(self, shapes: ShapesGraph, targets: Targets) -> None:
        self.shapes = shapes
        self.targets = targets
        self.g = shapes.g

    def reached_once(self, shape: Node) -> bool:
        """Whether pySHACL validates each focus node of ``shape`` once: only one way leads
        to the shape (its own targets, or one node shape that is itself reached once)."""
        ways = (1 if self.targets.own_targets(shape, "?x") else 0) + len(self.shapes.owners(shape))
        if ways != 1:
            return ways == 0
        owners = self.shapes.owners(shape)
        if not owners:
            return True
        owner = owners[0]
        return self.shapes.path_of(owner) is None and self.reached_once(owner)

    def focus_group(
        self, shape: Node, this: str, parent: str, restrict: str = "", depth: int = 0
    ) -> str | None:
        """A group binding ``this`` to every focus node of ``shape`` and ``parent`` to a key of
        the way it got there (pySHACL validates a property shape once per node shape that
        uses it, and once per (focus, value) pair of a property shape that uses it).
        ``restrict`` (a VALUES clause on ``this``) is put where ``this`` is first bound."""
        self.shapes.check_depth(shape, depth)
        if self.shapes.deactivated(shape):
            return None
        branches: list[str] = []
        own = self.targets.own_targets(shape, this)
        if own:
            key = sparql_string(str(self.shapes.shape_id(shape)))
            union = " UNION ".join(own)
            branches.append(
                f"{{ SELECT DISTINCT {this} ({key} AS {parent}) "
                f"WHERE {{ {restrict} {{ {union} }} }} }}"
            )
        for owner in self.shapes.owners(shape):
            tag = sparql_string(f">{self.shapes.shape_id(owner)}")
            p = self.shapes.fresh("p")
            owner_path = self.shapes.path_of(owner)
            if owner_path is None:  # a node shape: its value node is the focus node itself
                group = self.focus_group(owner, this, p, restrict, depth + 1)
                if group is not None:
                    branches.append(
                        f"{{ SELECT {this} (CONCAT({p}, {tag}) AS {parent}) WHERE {group} }}"
                    )
                continue
            f = self.shapes.fresh("f")
            group = self.focus_group(owner, f, p, "", depth + 1)
            if group is not None:
                path = sparql_path(self.g, owner, owner_path)
                branches.append(
                    f"{{ SELECT DISTINCT {this} "
                    f'(CONCAT({p}, {tag}, "@", STR({f})) AS {parent}) '
                    f"WHERE {{ {restrict} {group} {f} {path} {this} . }} }}"
                )
        if not branches:
            return None
        return "{ " + " UNION ".join(branches) + " }"

    def parents_query(self, shape: Node) -> str | None:
        """For a shape some focus nodes may reach more than once: how many times each one
        in ``FOCUS_VALUES`` (replaced by a VALUES clause on ``?this``) is reached."""
        if self.reached_once(shape):
            return None
        group = self.focus_group(shape, "?this", f"?{PARENT}", FOCUS_VALUES)
        if group is None:
            return None
        return (
            f"SELECT ?this (COUNT(DISTINCT ?{PARENT}) AS ?{INTERNAL}n) "
            f"WHERE {{ {group} }} GROUP BY ?this"
        )
