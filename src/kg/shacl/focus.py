"""The focus nodes of a shape (SHACL §2.1.1) as SPARQL, for the SHACL compiler.

pySHACL validates a shape on its own targets (:mod:`kg.shacl.targets`) and on the value nodes
of every shape that uses it through ``sh:property``, nested to any depth. :class:`FocusNodes`
writes them two ways: a group that enumerates them (binding ``?this``), and an expression
that tests a bound ``?this`` row by row, so that a query can start from its few candidate
violations. :class:`Focus` holds both for one shape, with the anti-join to use for it.

Spec: SHACL focus nodes https://www.w3.org/TR/shacl/#focusNodes; SPARQL 1.1 negation
https://www.w3.org/TR/sparql11-query/#negation (§8).
"""

from __future__ import annotations

from rdflib.namespace import SH
from rdflib.term import Node

from kg.shacl.paths import sparql_path
from kg.shacl.shapes_graph import ShapesGraph
from kg.shacl.sparql_text import sparql_term
from kg.shacl.targets import Targets

__all__ = ["FEW", "Focus", "FocusNodes"]

#: Up to this many focus nodes, an anti-join is run as FILTER NOT EXISTS rather than MINUS.
FEW = 20_000


class FocusNodes:
    """The focus nodes of the shapes of ``shapes``, enumerated or tested."""

    def __init__(self, shapes: ShapesGraph, targets: Targets) -> None:
        self.shapes = shapes
        self.targets = targets
        self.g = shapes.g

    def focus_parts(self, shape: Node, this: str, depth: int = 0) -> tuple[set[Node], list[str]]:
        """The focus nodes of ``shape`` (pySHACL's targets, and the value nodes of every shape
        that uses it through ``sh:property``) as target classes and other groups."""
        self.shapes.check_depth(shape, depth)
        if self.shapes.deactivated(shape):
            return set(), []
        classes = self.targets.target_classes(shape)
        groups = self.targets.other_targets(shape, this)
        for owner in self.shapes.owners(shape):
            owner_path = self.shapes.path_of(owner)
            if owner_path is None:  # a node shape: its value node is the focus node itself
                owner_classes, owner_groups = self.focus_parts(owner, this, depth + 1)
                classes |= owner_classes
                groups += owner_groups
                continue
            f = self.shapes.fresh("f")
            owner_focus = self.enumerate_focus(owner, f, depth + 1)
            if owner_focus is not None:
                path = sparql_path(self.g, owner, owner_path)
                groups.append(f"{{ {owner_focus} {f} {path} {this} . }}")
        return classes, groups

    def enumerate_focus(self, shape: Node, this: str = "?this", depth: int = 0) -> str | None:
        """A group binding ``this`` once to each focus node of ``shape``; None if none."""
        classes, groups = self.focus_parts(shape, this, depth)
        if classes:
            groups.insert(0, self.targets.class_group(classes, this))
        if not groups:
            return None
        return f"{{ SELECT DISTINCT {this} WHERE {{ {' UNION '.join(groups)} }} }}"

    def member(self, shape: Node, var: str, depth: int = 0) -> str:
        """A SPARQL expression true iff ``var`` (bound) is a focus node of ``shape``: tested
        row by row with EXISTS, so that queries can start from the few candidate violations
        instead of enumerating every focus node."""
        self.shapes.check_depth(shape, depth)
        classes, tests = self.member_parts(shape, var, depth)
        if classes:
            values = " ".join(sparql_term(c) for c in sorted(classes, key=str))
            cls = self.shapes.fresh("cls")
            tests.insert(0, f"EXISTS {{ VALUES {cls} {{ {values} }} {var} a {cls} }}")
        return "(" + " || ".join(tests) + ")" if tests else "false"

    def member_parts(self, shape: Node, var: str, depth: int) -> tuple[set[Node], list[str]]:
        if self.shapes.deactivated(shape):
            return set(), []
        classes = self.targets.target_classes(shape)
        tests: list[str] = []
        for node in sorted(self.g.objects(shape, SH.targetNode), key=str):
            tests.append(f"sameTerm({var}, {sparql_term(node)})")
        for predicate in sorted(self.g.objects(shape, SH.targetSubjectsOf), key=str):
            tests.append(f"EXISTS {{ {var} {sparql_term(predicate)} [] }}")
        for predicate in sorted(self.g.objects(shape, SH.targetObjectsOf), key=str):
            tests.append(f"EXISTS {{ [] {sparql_term(predicate)} {var} }}")
        for target in sorted(self.g.objects(shape, SH.target), key=str):
            t = self.shapes.fresh("t")
            target_group = self.targets.sparql_target(shape, target, t)
            tests.append(f"EXISTS {{ {target_group} FILTER(sameTerm({t}, {var})) }}")
        for owner in self.shapes.owners(shape):
            owner_path = self.shapes.path_of(owner)
            if owner_path is None:
                owner_classes, owner_tests = self.member_parts(owner, var, depth + 1)
                classes |= owner_classes
                tests += owner_tests
                continue
            f = self.shapes.fresh("f")
            path = sparql_path(self.g, owner, owner_path)
            owner_test = self.member(owner, f, depth + 1)
            tests.append(f"EXISTS {{ {f} {path} {var} . FILTER({owner_test}) }}")
        return classes, tests

    def few_focus_nodes(self, shape: Node) -> bool:
        """Whether the data has at most :data:`FEW` focus nodes for ``shape``, as far as
        the class sizes tell (False when they do not)."""
        if self.shapes.class_sizes is None:
            return False
        classes, groups = self.focus_parts(shape, "?x")
        if groups:
            return False
        return sum(self.shapes.class_sizes.get(c, 0) for c in classes) <= FEW


class Focus:
    """The focus nodes of one shape, as a group that enumerates them (``enumerate``, binding
    ``?this``) and as a test of a bound ``?this`` (``test``)."""

    def __init__(self, nodes: FocusNodes, shape: Node) -> None:
        self.enumerate = nodes.enumerate_focus(shape)
        self.test = nodes.member(shape, "?this") if self.enumerate is not None else "false"
        self.few = nodes.few_focus_nodes(shape)

    def only(self, candidates: str, variables: str = "*") -> str:
        """The solutions of the group ``candidates`` whose ``?this`` is a focus node. The
        group is a sub-query so that Oxigraph finds the (few) candidates first and runs the
        per-row membership test on them only, not on every triple it scans."""
        return f"{{ SELECT {variables} WHERE {{ {candidates} }} }} FILTER({self.test})"

    def missing(self, pattern: str) -> str:
        """Keep the focus nodes for which ``pattern`` has no solution: FILTER NOT EXISTS
        when there are few of them (Oxigraph evaluates it once per row), else MINUS (a hash
        anti-join over all of the pattern's solutions). Both mean the same here, as
        ``?this`` is always bound."""
        if self.few:
            return f"{self.enumerate} FILTER NOT EXISTS {{ {pattern} }}"
        return f"{self.enumerate} MINUS {{ {pattern} }}"
