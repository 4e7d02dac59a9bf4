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

#: Currency symbols documents use, to ISO 4217 codes.
SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "CHF": "CHF"}
_SCALES = {"thousand": Decimal(1_000), "million": Decimal(1_000_000), "m": Decimal(1_000_000)}
_IN_KIND = re.compile(r"\(?\s*in[\s-]kind\s*\)?", re.IGNORECASE)
_NUMBER = re.compile(
    r"(?P<currency>[A-Z]{3}|US\$|[$€£])?\s*"
    r"(?P<number>\d{1,3}(?:[,\u00a0 ]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"\s*(?P<scale>thousand|million|m\b)?\s*(?P<after>[A-Z]{3}\b)?",
    re.IGNORECASE,
)


class Amount(NamedTuple):
    value: Decimal
    currency: str | None
    in_kind: bool
    contributor: str | None


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
    match = _NUMBER.search(body)
    rest = body if match is None else (body[: match.start()] + body[match.end() :]).strip()
    if match is None or re.search(r"[A-Za-z]{4,}", rest):
        raise ValueError(
            f"{text!r} is not an amount: write a number, e.g. 20,000, with its currency "
            "(USD 20,000) and '(in kind)' for an in-kind contribution"
        )
    digits = re.sub(r"[,\u00a0 ]", "", match.group("number"))
    try:
        value = Decimal(digits)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount") from None
    if match.group("scale"):
        value *= _SCALES[match.group("scale").lower()]
    named = match.group("currency") or match.group("after")
    code = SYMBOLS.get(named, named.upper()) if named else currency
    return Amount(value, code, in_kind, contributor)
