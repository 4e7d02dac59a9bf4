"""Parties and places as documents write them, to ISO 3166-1 alpha-3 codes (the keys of
``<base>/id/party/<ISO3>``), through pycountry.

"Kyrgyz Republic" and "Russian Federation" are names pycountry knows; "Iran (Islamic
Republic of)" is tried without its parenthesis too; a place inside a country ("Nukus,
Khorezm and Shahrisabz, Uzbekistan") gives the country it names last, the places kept as
written. Names pycountry lacks that UN documents use are in :data:`ALIASES`.

>>> country_code("Kyrgyz Republic"), country_code("Iran (Islamic Republic of)")
('KGZ', 'IRN')
>>> parse_place("Nukus, Khorezm and Shahrisabz, Uzbekistan").country
'UZB'
>>> parse_place("Nukus, Khorezm and Shahrisabz, Uzbekistan").localities
('Nukus', 'Khorezm', 'Shahrisabz')
>>> parse_places("Kazakhstan, Kyrgyz Republic and Tajikistan")
['KAZ', 'KGZ', 'TJK']
"""

from __future__ import annotations

import re
from typing import NamedTuple

import pycountry

#: Names in MEA documents that pycountry does not resolve, to ISO alpha-3.
ALIASES = {
    "turkey": "TUR",
    "russia": "RUS",
    "the russian federation": "RUS",
}
_SEPARATORS = re.compile(r"\s*(?:,|;|\band\b|&)\s*", re.IGNORECASE)


class Place(NamedTuple):
    text: str
    country: str | None
    localities: tuple[str, ...]


def country_code(name: str) -> str | None:
    """The ISO alpha-3 code of the country ``name``, or ``None``."""
    clean = " ".join(name.split()).strip(" .")
    if not clean:
        return None
    if clean.lower() in ALIASES:
        return ALIASES[clean.lower()]
    for candidate in (clean, re.sub(r"\s*\(.*?\)\s*", " ", clean).strip()):
        try:
            return str(pycountry.countries.lookup(candidate).alpha_3)
        except LookupError:
            continue
    return None


def parse_place(text: str) -> Place:
    """A place as written: the country it names (the last part that is one) and the
    localities before it."""
    parts = [p for p in _SEPARATORS.split(text.strip()) if p]
    for index in range(len(parts) - 1, -1, -1):
        code = country_code(parts[index])
        if code is not None:
            return Place(text, code, tuple(parts[:index]))
    return Place(text, None, tuple(parts))


def parse_places(text: str) -> list[str]:
    """Every country a list of parties names, in order; a name that is no country is a
    :class:`ValueError` saying which."""
    codes = []
    for part in (p for p in _SEPARATORS.split(text.strip()) if p):
        code = country_code(part)
        if code is None:
            raise ValueError(
                f"{part!r} is not a country this tool knows: write the country's short name "
                "as the UN writes it (e.g. Kyrgyzstan, Russian Federation) or its ISO code"
            )
        codes.append(code)
    return codes
