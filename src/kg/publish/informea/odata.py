"""The OData query options a harvester sends: :func:`parse_query` and :func:`apply_query`
implement ``$top``, ``$skip``, ``$count``, ``$orderby``, ``$expand`` and the one ``$filter``
form incremental harvests use, ``updated gt <datetime>`` (OData 4.01 URL conventions,
https://docs.oasis-open.org/odata/odata/v4.01/odata-v4.01-part2-url-conventions.html), plus
the v2 forms (``$inlinecount``, ``datetime'...'``) older harvesters still send."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kg.publish.informea.entity_sets import INLINE, NAVIGATION, SORTABLE, Record, record_key
from kg.publish.informea.feed import Feed

#: Most records one response carries when the client gives no smaller ``$top``.
MAX_PAGE = 500


class ODataError(ValueError):
    """A request the feed answers with an OData error; ``status`` is the HTTP status."""

    def __init__(self, message: str, *, status: int = 400, code: str = "BadRequest") -> None:
        super().__init__(message)
        self.status = status
        self.code = code


@dataclass(frozen=True)
class ODataQuery:
    """The supported system query options of one request."""

    top: int | None = None
    skip: int = 0
    count: bool = False
    orderby: tuple[tuple[str, bool], ...] = ()  # (field, descending)
    expand: tuple[str, ...] = ()
    updated_after: datetime | None = None
    updated_inclusive: bool = False


_FILTER = re.compile(
    r"""^\s*updated\s+(?P<op>gt|ge)\s+
        (?:datetime(?:offset)?'(?P<quoted>[^']+)'|(?P<bare>[0-9][0-9T:.+\-Z]*))\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
SUPPORTED_OPTIONS = frozenset(
    {"$top", "$skip", "$count", "$orderby", "$expand", "$filter", "$format", "$inlinecount"}
)


def _instant(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ODataError(
            f"$filter: {text!r} is not a date-time (use e.g. 2024-01-01T00:00:00Z)"
        ) from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_filter(text: str) -> datetime:
    """The instant of ``updated gt <datetime>`` (OData v4 literal, or v2/v3
    ``datetime'...'``; a time without zone is UTC); :class:`ODataError` for anything else.

    >>> parse_filter("updated gt 2024-01-01T00:00:00Z").isoformat()
    '2024-01-01T00:00:00+00:00'
    >>> parse_filter("updated gt datetime'2024-01-01T00:00:00'").isoformat()
    '2024-01-01T00:00:00+00:00'
    >>> parse_filter("updated gt 2024-01-01T02:00:00 02:00").isoformat()  # "+" sent unencoded
    '2024-01-01T00:00:00+00:00'
    """
    return _parse_filter(text)[0]


def _parse_filter(text: str) -> tuple[datetime, bool]:
    # an unencoded "+" in a URL arrives as a space: "...T00:00:00 01:00" means "+01:00"
    text = re.sub(r"(T\d\d:\d\d(?::\d\d(?:\.\d+)?)?) (\d\d:\d\d)\b", r"\1+\2", text)
    match = _FILTER.match(text)
    if not match:
        raise ODataError(
            "$filter: only 'updated gt <datetime>' (or 'ge') is supported, "
            "e.g. $filter=updated gt 2024-01-01T00:00:00Z"
        )
    return _instant(match["quoted"] or match["bare"]), match["op"].lower() == "ge"


def _non_negative(name: str, value: str) -> int:
    if not value.strip().isdigit():
        raise ODataError(f"{name} must be a non-negative integer, not {value!r}")
    return int(value)


def parse_query(params: Mapping[str, str], entity_set: str) -> ODataQuery:
    """Parse the ``$`` options of a request on ``entity_set``; :class:`ODataError` (400) for an
    unsupported option or value.

    >>> options = {"$top": "10", "$orderby": "updated desc,id", "$count": "true"}
    >>> q = parse_query(options, "Decisions")
    >>> (q.top, q.orderby, q.count)
    (10, (('updated', True), ('id', False)), True)
    """
    unknown = sorted(k for k in params if k.startswith("$") and k not in SUPPORTED_OPTIONS)
    if unknown:
        raise ODataError(
            f"unsupported query option {unknown[0]}: this feed supports "
            + ", ".join(sorted(SUPPORTED_OPTIONS))
        )
    fmt = params.get("$format", "json").split(";")[0].strip().lower()
    if fmt not in {"json", "application/json"}:
        raise ODataError(
            f"$format={fmt!r}: this feed answers JSON only", status=406, code="NotAcceptable"
        )
    top = _non_negative("$top", params["$top"]) if "$top" in params else None
    skip = _non_negative("$skip", params["$skip"]) if "$skip" in params else 0
    count = False
    if "$count" in params:
        value = params["$count"].strip().lower()
        if value not in {"true", "false"}:
            raise ODataError("$count must be true or false")
        count = value == "true"
    if "$inlinecount" in params:
        value = params["$inlinecount"].strip().lower()
        if value not in {"allpages", "none"}:
            raise ODataError("$inlinecount must be allpages or none")
        count = count or value == "allpages"
    orderby: list[tuple[str, bool]] = []
    for part in filter(None, (p.strip() for p in params.get("$orderby", "").split(","))):
        words = part.split()
        name = words[0]
        direction = words[1].lower() if len(words) > 1 else "asc"
        if len(words) > 2 or direction not in {"asc", "desc"}:
            raise ODataError(f"$orderby: cannot read {part!r} (use 'field [asc|desc]')")
        if name not in SORTABLE[entity_set]:
            raise ODataError(
                f"$orderby: {entity_set} cannot be ordered by {name!r} "
                f"(use {', '.join(sorted(SORTABLE[entity_set]))})"
            )
        orderby.append((name, direction == "desc"))
    expand: list[str] = []
    for name in filter(None, (p.strip() for p in params.get("$expand", "").split(","))):
        if name in NAVIGATION.get(entity_set, {}):
            expand.append(name)
        elif name not in INLINE[entity_set]:
            offered = sorted(NAVIGATION.get(entity_set, {})) or ["none"]
            raise ODataError(
                f"$expand: {entity_set} has no navigation property {name!r} "
                f"(navigation: {', '.join(offered)})"
            )
    after, inclusive = (None, False)
    if "$filter" in params:
        after, inclusive = _parse_filter(params["$filter"])
    return ODataQuery(top, skip, count, tuple(orderby), tuple(expand), after, inclusive)


def _sort_value(value: Any) -> tuple[int, Any]:
    return (1, "") if value is None else (0, value)


def apply_query(feed: Feed, entity_set: str, query: ODataQuery) -> tuple[list[Record], int, bool]:
    """``(page, total matching, more after this page)`` for ``query`` on ``entity_set``.

    Records are in key order unless ``$orderby`` says otherwise (a stable order, so that pages
    do not overlap); the server returns at most :data:`MAX_PAGE` records per response.
    """
    records = list(feed.records(entity_set))
    if query.updated_after is not None:
        after = query.updated_after
        records = [
            r
            for r in records
            if (moment := _instant(r["updated"])) > after
            or (query.updated_inclusive and moment == after)
        ]
    for name, descending in reversed(query.orderby):
        records.sort(key=lambda r, n=name: _sort_value(r.get(n)), reverse=descending)  # type: ignore[misc]
    total = len(records)
    limit = MAX_PAGE if query.top is None else min(query.top, MAX_PAGE)
    page = records[query.skip : query.skip + limit]
    more = query.skip + len(page) < total and (query.top is None or query.top > MAX_PAGE)
    if query.expand:
        page = [_expanded(feed, entity_set, r, query.expand) for r in page]
    return page, total, more


def _expanded(feed: Feed, entity_set: str, record: Record, names: Sequence[str]) -> Record:
    out = dict(record)
    for name in names:
        if entity_set == "Decisions" and name == "meeting":
            out["meeting"] = next(
                (m for m in feed.records("Meetings") if m["id"] == record.get("meetingId")), None
            )
        elif entity_set == "Meetings" and name == "decisions":
            out["decisions"] = [
                d for d in feed.records("Decisions") if d.get("meetingId") == record["id"]
            ]
    return out


def find_record(feed: Feed, entity_set: str, key: str) -> Record | None:
    """The record of ``entity_set`` whose key is ``key``."""
    return next((r for r in feed.records(entity_set) if record_key(entity_set, r) == key), None)
