"""Server-side HTML for the browser pages: plain f-strings, every value through
:func:`html.escape` (no template engine dependency)."""
