"""A node's attributes in the projection: its label (best label property, English first), its
kind (the most specific type, the project's own classes first), all its kinds and types, its
notation and its literal-valued properties."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import Any

from kg.graph.naming import LABEL_CURIES, curie, local_name
from kg.graph.schema import Schema
from kg.rdf.namespaces import PREFIXES

__all__ = ["NodeAttributes"]


def _best_label(values: list[tuple[str, str | None]]) -> str | None:
    for wanted in ("en", None):
        for value, lang in values:
            if lang == wanted:
                return value
    return values[0][0] if values else None


class NodeAttributes:
    """Node attributes, with the type-dependent part computed once per set of types (most
    nodes share theirs)."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.by_types: dict[frozenset[str], tuple[str, frozenset[str], tuple[str, ...]]] = {}

    def kinds(self, types: frozenset[str]) -> tuple[str, frozenset[str], tuple[str, ...]]:
        known = self.by_types.get(types)
        if known is None:
            supers = self.schema.superclasses
            closure = set(types)
            for t in types:
                closure |= supers.get(t, set())
            most_specific = [t for t in closure if not any(t in supers.get(o, ()) for o in closure)]
            # A class of the project's own model names the kind before an aligned one's.
            most_specific.sort(key=lambda t: (not t.startswith(PREFIXES["mea"]), t))
            kind = sys.intern(local_name(most_specific[0])) if most_specific else "Resource"
            known = (
                kind,
                frozenset(local_name(t) for t in closure),
                tuple(sorted(curie(t) for t in closure)),
            )
            self.by_types[types] = known
        return known

    def __call__(
        self,
        iri: str,
        types: set[str],
        literals: Mapping[str, list[tuple[str, str | None]]] | None,
    ) -> dict[str, Any]:
        # RDF has no order: sort, so every build of a snapshot gives the same attributes.
        literals = {
            p: sorted(vs, key=lambda v: (v[0], v[1] or ""))
            for p, vs in sorted((literals or {}).items())
        }
        label = None
        for prop in LABEL_CURIES:
            values = literals.get(prop)
            if values:
                label = _best_label(values)
                break
        if not label:
            label = self.schema.labels.get(iri) or local_name(iri)
        kind, kinds, curies = self.kinds(frozenset(types))
        notation = literals.get("skos:notation")
        return {
            "label": label,
            "kind": kind,
            "kinds": kinds,
            "types": curies,
            "notation": notation[0][0] if notation else None,
            "literals": {p: tuple(v for v, _ in vs) for p, vs in literals.items()},
            "conventions": (),
        }
