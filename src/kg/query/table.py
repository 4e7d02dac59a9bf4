"""Plain-text tables for people at a terminal: ``kg query``'s answers and the traversal
commands' (``kg indicators`` …).

>>> print(text_table(["code", "title"], [["1.1", "Spatial plans"], ["A.1", None]]), end="")
code  title
----  -------------
1.1   Spatial plans
A.1
>>> cell = "Conserve 30% of land,\\n waters and seas"
>>> print(text_table(["label"], [[cell]], max_cell=12), end="")
label
------------
Conserve 30…
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["text_table"]


def _cell(value: object, max_cell: int | None) -> str:
    """One line of text: whitespace runs (newlines included) become one space, and a cell
    longer than ``max_cell`` is cut with an ellipsis."""
    text = "" if value is None else " ".join(str(value).split())
    if max_cell is not None and len(text) > max_cell:
        return text[: max_cell - 1] + "…"
    return text


def text_table(
    headers: Sequence[str], rows: Sequence[Sequence[object]], *, max_cell: int | None = None
) -> str:
    """``rows`` under ``headers`` in columns as wide as their widest cell, a rule of dashes
    under the headers, no trailing spaces."""
    cells = [[_cell(c, max_cell) for c in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines) + "\n"
