"""The ``kg`` command: its parser, made of the command groups, and its one way of failing.

Every user-facing failure is one line on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence

from kg.cli.exits import EXIT_USAGE, err
from kg.settings import get_settings

#: The command groups, each a module with ``register(subparsers)``, in the order of ``kg -h``.
COMMAND_MODULES = (
    "kg.cli.build",
    "kg.cli.publish",
    "kg.cli.ingest",
    "kg.cli.suggest",
    "kg.cli.query",
    "kg.cli.serve",
    "kg.cli.graph",
    "kg.cli.export",
    "kg.cli.bench",
)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="kg", description="MEA knowledge graph: build, validate, query and serve."
    )
    sub = top.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    from pydantic import ValidationError

    from kg.build.writer import WriterBusy
    from kg.query.execute import QueryError
    from kg.rdf.read import RDFInputError
    from kg.stores import StoreError

    try:
        args = parser().parse_args(argv)
        return int(args.func(args, get_settings()))
    except ValidationError as error:  # a KG_* environment variable that does not validate
        first = error.errors()[0]
        field = str(first["loc"][0]) if first["loc"] else "setting"
        err(f"KG_{field.upper()}: {first['msg']}")
        return EXIT_USAGE
    except (RDFInputError, QueryError, StoreError, WriterBusy) as error:
        err(str(error))
        return EXIT_USAGE
    except OSError as error:
        err(f"{getattr(error, 'filename', '') or ''} {error.strerror or error}".strip())
        return EXIT_USAGE
