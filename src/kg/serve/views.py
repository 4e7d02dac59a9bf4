"""The one cache of views derived from the graph: what a request may need that takes far
longer to make than to keep (the traversal projection, the InforMEA feed, the RDF dump in
each syntax, the VoID description).

Each view is kept with the state of the store it was made from, and made again the first
time it is asked for after that state has moved on (a write, through
:class:`~kg.serve.service.GraphService`), so no view outlives the graph it describes.
Two requests asking at once for a view that is missing wait for one computation.

>>> state = [0]
>>> views = DerivedViews(lambda: state[0])
>>> made = []
>>> views.get("answer", lambda: made.append(1) or len(made))
1
>>> views.get("answer", lambda: made.append(1) or len(made))  # kept
1
>>> state[0] += 1  # a write
>>> views.get("answer", lambda: made.append(1) or len(made))
2
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

__all__ = ["DerivedViews"]

T = TypeVar("T")


class DerivedViews:
    """Views keyed by name, each valid for one state of the store (``state()``)."""

    def __init__(self, state: Callable[[], Hashable]) -> None:
        self._state = state
        self._views: dict[Hashable, tuple[Hashable, Any]] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def get(self, name: Hashable, compute: Callable[[], T]) -> T:
        """The view ``name`` of the store as it is now, computed by ``compute`` if the one
        kept was made from an earlier state (or none was)."""
        state = self._state()
        kept = self._views.get(name)
        if kept is not None and kept[0] == state:
            return kept[1]
        with self._guard:
            lock = self._locks.setdefault(name, threading.Lock())
        with lock:
            state = self._state()
            kept = self._views.get(name)
            if kept is None or kept[0] != state:
                kept = (state, compute())
                self._views[name] = kept
            return kept[1]

    def clear(self) -> None:
        """Forget every view (the next request for each makes it again)."""
        with self._guard:
            self._views.clear()
