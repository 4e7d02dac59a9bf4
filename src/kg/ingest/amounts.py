"""A budget cell to an amount, its currency and whether it is cash or in kind.

Workplan tables write "180,000", "USD 224,000", "Host Government: 20,000 (in kind)",
"EUR 1.5 million". The amount is exact (``Decimal``); the currency is the cell's if it names
one, else the table's (its column header: "Indicative budget (USD)"); "(in kind)" marks an
in-kind contribution, and a "Contributor:" before the amount says who gives it. A cell that
holds no amount ("to be determined", "see above") is a :class:`ValueError` whose message a
secretariat officer can act on.

>>> parse_amount("Host Government: 20,000 (in kind)", currency="USD")
Amount(value=Decimal('20000'), currency='USD', in_kind=True, contributor='Host Government')
>>> parse_amount("EUR 1.5 million")
Amount(value=Decimal('1500000.0'), currency='EUR', in_kind=False, contributor=None)
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

import pycountry

#: Currency symbols documents use, to ISO 4217 codes.
SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "CHF": "CHF"}
#: ISO 4217 codes (pycountry): a three-letter word that is none ("about", "mln") is no currency.
CURRENCIES = frozenset(str(c.alpha_3) for c in pycountry.currencies)
_SCALES = {
    "thousand": Decimal(1_000),
    "million": Decimal(1_000_000),
    "mln": Decimal(1_000_000),
    "m": Decimal(1_000_000),
    "billion": Decimal(1_000_000_000),
    "bn": Decimal(1_000_000_000),
}
_IN_KIND = re.compile(r"\(?\s*in[\s-]kind\s*\)?", re.IGNORECASE)
#: A number as an English-language table writes it: 180,000 / 180 000 / 224000 / 1.5. A
#: number glued to letters ("Q1", "COP3") is no amount.
_NUMBER = re.compile(
    r"(?<![\w.,])(?P<sign>[-−–]\s*)?(?P<currency>US\$|[$€£]|\b[A-Z]{3}\b)?\s*"
    r"(?P<number>\d{1,3}(?:[,\u00a0 ]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\w])"
    r"\s*(?P<scale>(?i:thousand|million|mln|billion|bn|m)\b)?\s*(?P<after>\b[A-Z]{3}\b)?"
)
#: Separators this table cannot tell apart: "180.000" (a dot before three digits: decimal
#: point or thousands?) and "1.500,50" / "1 500,50" (a decimal comma).
_AMBIGUOUS = re.compile(r"(?<![\d.,])\d{1,3}(?:\.\d{3})+(?:,\d+)?(?![\d.])|\d,\d{1,2}(?!\d)")


class Amount(NamedTuple):
    value: Decimal
    currency: str | None
    in_kind: bool
    contributor: str | None


def _refuse(text: str, why: str) -> ValueError:
    return ValueError(f"{text!r} {why}")


def parse_amount(text: str, *, currency: str | None = None) -> Amount:
    """The amount in ``text``; ``currency`` is the table's, for a cell that names none."""
    clean = " ".join(text.replace("\u00a0", " ").split())
    in_kind = bool(_IN_KIND.search(clean))
    body = _IN_KIND.sub(" ", clean).strip(" .;")
    contributor = None
    if ":" in body:
        before, _, after = body.partition(":")
        if before.strip() and not re.search(r"\d", before):
            contributor, body = before.strip(), after.strip()
    if _AMBIGUOUS.search(body):
        raise _refuse(
            text,
            "cannot be read for sure: write the amount with commas between thousands and a "
            "dot before decimals (180,000 or 1,500.50), or without separators (180000)",
        )
    matches = list(_NUMBER.finditer(body))
    if len(matches) > 1:
        raise _refuse(
            text,
            "holds more than one amount: write one amount per cell (a range or the amounts "
            "of several years belong in a note)",
        )
    match = matches[0] if matches else None
    rest = body if match is None else (body[: match.start()] + body[match.end() :]).strip()
    if match is None or re.search(r"[^\W\d_]", rest):  # words beside the amount: "about", "Q1"
        raise _refuse(
            text,
            "is not an amount: write a number, e.g. 20,000, with its currency "
            "(USD 20,000) and '(in kind)' for an in-kind contribution",
        )
    if match.group("sign"):
        raise _refuse(text, "is negative: a budget is never below zero")
    digits = re.sub(r"[,\u00a0 ]", "", match.group("number"))
    try:
        value = Decimal(digits)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount") from None
    if match.group("scale"):
        value *= _SCALES[match.group("scale").lower()]
    named = match.group("currency") or match.group("after")
    if named and named not in SYMBOLS and named not in CURRENCIES:
        raise _refuse(text, f"names {named!r}, which is no currency: write its ISO code (USD, EUR)")
    code = SYMBOLS.get(named, named) if named else currency
    return Amount(value, code, in_kind, contributor)
