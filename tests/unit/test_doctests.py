"""Docstring examples are part of the documentation and run as tests (as pyoxigraph does)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "kg",
    "kg.namespaces",
    "kg.settings",
    "kg.rdfio",
    "kg.reason",
    "kg.reconcile",
    "kg.negotiate",
    "kg.sparql_guard",
    "kg.results",
    "kg.syntax_limits",
    "kg.join_order",
    "kg.informea",
    "kg.export_rdf",
    "kg.loader",
    "kg.stores.base",
    "kg.stores.memory",
    "kg.stores.sparql",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    failures, tried = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert failures == 0
    assert tried > 0, f"{name} has no runnable examples"
