"""References to the Global Biodiversity Framework as documents write them, to what they
name: "Target 3 (30×30)" is target 3, "Indicator 20.1" a claim of indicator 20.1, "Goal A"
goal A. Targets and goals become KMGBF IRIs; an indicator stays a claim (its code and the
text as written), which the build reconciles with the official framework as it does every
claim today: official, title differs, or not in the framework.

>>> parse_gbf_reference("Target 3 (30×30)")
GbfReference(kind='target', code='3', text='Target 3 (30×30)')
>>> target_iri("3"), goal_iri("a")
('http://metadata.cbd.int/kmgbf/target_3', 'http://metadata.cbd.int/kmgbf/goal_A')
>>> parse_gbf_reference("Indicator 20.1").kind
'indicator'
"""

from __future__ import annotations

import re
from typing import NamedTuple

from kg.rdf.namespaces import KMGBF

_REFERENCE = re.compile(
    r"^\s*(?:GBF\s+|KMGBF\s+)?(?P<kind>target|goal|(?:headline\s+)?indicator)s?\s*"
    r"(?P<code>[A-D](?:\.\d+)?|\d{1,2}(?:\.\d+)*(?:\.[a-z])?)\b",
    re.IGNORECASE,
)


class GbfReference(NamedTuple):
    kind: str  # target, goal or indicator
    code: str
    text: str


def parse_gbf_reference(text: str) -> GbfReference:
    """What ``text`` refers to; a :class:`ValueError` that says how to write one otherwise."""
    match = _REFERENCE.match(text)
    if match is None:
        raise ValueError(
            f"{text!r} is not a GBF reference: write 'Target 3', 'Goal A' or 'Indicator 3.1'"
        )
    kind = match.group("kind").lower().split()[-1]
    code = match.group("code").upper() if kind == "goal" else match.group("code")
    if kind == "target" and not (code.isdigit() and 1 <= int(code) <= 23):
        raise ValueError(f"{text!r}: the GBF has targets 1 to 23")
    if kind == "goal" and code not in ("A", "B", "C", "D"):
        raise ValueError(f"{text!r}: the GBF has goals A to D")
    return GbfReference(kind, code, text.strip())


def target_iri(code: str) -> str:
    return f"{KMGBF}target_{int(code)}"


def goal_iri(code: str) -> str:
    return f"{KMGBF}goal_{code.upper()}"
