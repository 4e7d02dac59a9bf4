"""``kg export informea DIR`` and ``kg export rdf``: the InforMEA feed and the linked-data
export (issue 6)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the export subcommands (none yet)."""
