"""A route answering several methods, documented as one OpenAPI operation per method.

FastAPI gives every method of a route the same ``operationId`` (and warns "Duplicate
Operation ID …" when it writes the schema), which client generators reject. One route per
method would give each its own id but change the 405 answers: Starlette's ``Allow`` header
names the methods of the first route whose path matches, so it would name one method only.
So the route that answers keeps all the methods and stays out of the schema, and one route per
method, added after it and never reached (the first route matches every one of its methods
first), describes that method in the schema under its own id.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from fastapi import APIRouter

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def route_per_method(
    router: APIRouter, path: str, *, methods: Sequence[str], **options: Any
) -> Callable[[Endpoint], Endpoint]:
    """Like ``router.api_route(path, methods=methods, **options)``, with one operation id per
    method (``<name><path>_<method>``, FastAPI's own form)."""

    def add(endpoint: Endpoint) -> Endpoint:
        router.add_api_route(
            path, endpoint, methods=list(methods), include_in_schema=False, **options
        )
        for method in methods:
            router.add_api_route(path, endpoint, methods=[method], **options)
        return endpoint

    return add
