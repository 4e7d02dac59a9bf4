"""What every ``kg`` command shares: its exit codes and its one line on stderr when it
fails (never a traceback)."""

from __future__ import annotations

import sys

__all__ = ["EXIT_INVALID", "EXIT_OK", "EXIT_USAGE", "err"]

#: Success; the input is invalid (``kg validate``, ``kg build --strict``); the command could
#: not run as asked (bad arguments or settings, nothing built, unreadable input).
EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


def err(message: str) -> None:
    """Say what went wrong, as one line on standard error."""
    print(f"kg: {message}", file=sys.stderr)
