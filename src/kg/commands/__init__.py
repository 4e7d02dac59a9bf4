"""Subcommands of ``kg`` beyond the core four, one module per area.

Each module defines ``register(subparsers)``, adding its subcommands; ``kg.cli`` calls them
in the order of :data:`MODULES`.
"""

MODULES = ("kg.commands.graph", "kg.commands.export", "kg.commands.bench")
