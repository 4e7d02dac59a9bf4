"""The Jinja2 environment of the server-rendered pages: the templates of this folder, every
value autoescaped, and :func:`render` to fill one in.

Values are escaped as :func:`html.escape` does, quotes included, so a label carrying markup
stays text:

>>> ENV.from_string("<h1>{{ label }}</h1>").render(label='<script>alert("x")</script>')
'<h1>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</h1>'
"""

from __future__ import annotations

import html
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from api.templates.filters import entity_href
from kg.publish.entity import short_name
from kg.shacl.validate import shorten_iri, shorten_path


def _escape(value: object) -> object:
    """``value`` escaped by :func:`html.escape` unless it is markup already (a macro's output,
    ``tojson``). Autoescaping would use markupsafe, whose entities differ (``&#34;`` for
    ``&quot;``, ``&#39;`` for ``&#x27;``): this keeps the pages' bytes what they were before
    the templates."""
    if hasattr(value, "__html__"):
        return value
    return Markup(html.escape(str(value), quote=True))


ENV = Environment(
    loader=PackageLoader("api", "templates"),
    # Every template here is HTML or SVG, so escaping is on for all of them, including
    # templates built from strings; no graph value is ever marked safe.
    autoescape=True,
    finalize=_escape,
    # A misspelt variable fails the request instead of rendering as nothing.
    undefined=StrictUndefined,
    # Block tags on lines of their own leave no blank lines behind.
    trim_blocks=True,
    lstrip_blocks=True,
)
ENV.filters["entity_href"] = entity_href
ENV.filters["short_name"] = short_name
ENV.filters["shorten_iri"] = shorten_iri
ENV.filters["shorten_path"] = shorten_path
# The editor's configuration keeps its key order (the prefixes as the ontology lists them).
ENV.policies["json.dumps_kwargs"] = {"ensure_ascii": False}


def render(template: str, **context: Any) -> str:
    """The page ``template`` (a file name in this folder) filled in with ``context``."""
    return ENV.get_template(template).render(**context)
