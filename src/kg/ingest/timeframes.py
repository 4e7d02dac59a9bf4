"""A timeframe as written in a workplan table, to the first and last day it covers.

Documents write them every way: "Jan – April 2009", "Jan. 2009 – Sept. 2010", "2022–2025",
"Feb / March 2026", "1-3 October 2012", "by 15 May 2012", "until August 2012". A month alone
covers the whole month, a year the whole year; a range runs from the start of its first part
to the end of its last, the year of the last part standing for a first part that has none.
What cannot be read without the rest of the document ("22 February", "the first day of the
visit", "90 days before the 1st COP") gives no dates: the text is always kept verbatim
(``mea:timeframeText``), the dates only when they are certain.

>>> parse_timeframe("Jan. 2009 – Sept. 2010")
Timeframe(start=datetime.date(2009, 1, 1), end=datetime.date(2010, 9, 30))
>>> parse_timeframe("Feb / March 2026")
Timeframe(start=datetime.date(2026, 2, 1), end=datetime.date(2026, 3, 31))
>>> parse_timeframe("until August 2012")
Timeframe(start=None, end=datetime.date(2012, 8, 31))
>>> parse_timeframe("90 days before the 1st COP in 2013")
Timeframe(start=None, end=None)
"""

from __future__ import annotations

import calendar
import re
from datetime import date
from typing import NamedTuple

MONTHS = {
    name: number
    for number in range(1, 13)
    for name in {
        calendar.month_name[number].lower(),
        calendar.month_abbr[number].lower(),
        calendar.month_name[number].lower()[:4],  # "Sept"
    }
}
_MONTH = "(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
#: One end of a range: [day] [month] [year], at least a month or a year.
_POINT = re.compile(
    rf"^(?:(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+)?(?:(?P<month>{_MONTH})\s*)?(?P<year>\d{{4}})?$",
    re.IGNORECASE,
)
#: What joins the two ends of a range.
_RANGE = re.compile(r"\s*(?:–|—|-|/|\bto\b|\band\b)\s*", re.IGNORECASE)


class Timeframe(NamedTuple):
    start: date | None
    end: date | None


class _Point(NamedTuple):
    day: int | None
    month: int | None
    year: int | None


def parse_timeframe(text: str) -> Timeframe:
    """The first and last day ``text`` covers; ``None`` for an end it does not say."""
    clean = " ".join(text.replace("\u00a0", " ").split()).strip(" .;,")
    lowered = clean.lower()
    for prefix, which in (
        ("by ", "both"),
        ("on ", "both"),
        ("until ", "end"),
        ("established in ", "start"),
        ("between ", "range"),
    ):
        if lowered.startswith(prefix):
            inner = parse_timeframe(clean[len(prefix) :])
            if which == "end":
                return Timeframe(None, inner.end)
            if which == "start":
                return Timeframe(inner.start, None)
            if which == "both" and inner.start != inner.end:
                return Timeframe(inner.end, inner.end) if prefix == "by " else inner
            return inner
    days = re.fullmatch(rf"(\d{{1,2}})\s*[-–]\s*(\d{{1,2}})\s+({_MONTH})\s+(\d{{4}})", clean, re.I)
    if days:  # "1-3 October 2012"
        first, last, month, year = days.groups()
        number = MONTHS[month.lower().rstrip(".")]
        return _both(_Point(int(first), number, int(year)), _Point(int(last), number, int(year)))
    parts = _RANGE.split(clean)
    if len(parts) == 1:
        point = _point(parts[0])
        return _both(point, point) if point and point.year else Timeframe(None, None)
    if len(parts) != 2:
        return Timeframe(None, None)
    first, last = _point(parts[0]), _point(parts[1])
    if first is None or last is None or last.year is None:
        return Timeframe(None, None)
    if first.year is None:  # "Jan – April 2009", "Feb / March 2026", "25 April and 2 May 2012"
        first = _Point(first.day, first.month, last.year)
    return _both(first, last)


def _point(text: str) -> _Point | None:
    match = _POINT.match(text.strip())
    if match is None or not (match.group("month") or match.group("year")):
        return None
    month = match.group("month")
    day = match.group("day")
    year = match.group("year")
    if day and not month:
        return None
    return _Point(
        int(day) if day else None,
        MONTHS[month.lower().rstrip(".")] if month else None,
        int(year) if year else None,
    )


def _both(first: _Point, last: _Point) -> Timeframe:
    start, end = _first_day(first), _last_day(last)
    if start is None or end is None or end < start:
        return Timeframe(None, None)
    return Timeframe(start, end)


def _first_day(point: _Point) -> date | None:
    if point.year is None:
        return None
    try:
        return date(point.year, point.month or 1, point.day or 1)
    except ValueError:
        return None


def _last_day(point: _Point) -> date | None:
    if point.year is None:
        return None
    month = point.month or 12
    day = point.day or calendar.monthrange(point.year, month)[1]
    try:
        return date(point.year, month, day)
    except ValueError:
        return None
