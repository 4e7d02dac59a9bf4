"""``kg indicators``, ``kg path``, ``kg neighbours``, ``kg coverage``, ``kg graph-export``:
graph traversal and analysis (issue 4)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the graph subcommands (none yet)."""
