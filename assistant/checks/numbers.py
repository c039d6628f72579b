"""Figures in text: find them, normalise them, compare them.

"42.8%" = "42.8 percent", "US$363 billion" = "$363bn", "2,500" = "2500", "sixth" = "6th".
"""

import math
import re
from dataclasses import dataclass
from functools import lru_cache

_SCALES = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "mn": 1e6,
    "m": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
    "tr": 1e12,
}
_CURRENCIES = {
    "us$": "USD",
    "$": "USD",
    "usd": "USD",
    "dollar": "USD",
    "dollars": "USD",
    "yuan": "CNY",
    "rmb": "CNY",
    "cny": "CNY",
    "¥": "CNY",
    "renminbi": "CNY",
    "€": "EUR",
    "eur": "EUR",
    "euro": "EUR",
    "euros": "EUR",
    "£": "GBP",
    "gbp": "GBP",
}
_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
    "eleventh": 11,
    "twelfth": 12,
}
_FIGURE = re.compile(
    r"(?P<currency>US\$|\$|€|£|¥|\bRMB\s?|\bUSD\s?|\bCNY\s?)?"
    r"(?<![\w.,])(?P<value>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d,]*\d)"
    r"(?P<ordinal>st|nd|rd|th)?"
    r"(?:\s?(?P<scale>thousand|million|billion|trillion|bn|mn|tn|[kmb])\b)?"
    r"(?:\s?(?P<unit>%|percent(?:age points?)?|per cent|yuan|renminbi|dollars?|euros?"
    r"|usd|rmb|cny))?",
    re.IGNORECASE,
)
_ORDINAL_WORD = re.compile(r"\b(" + "|".join(_ORDINALS) + r")\b", re.IGNORECASE)


@dataclass(frozen=True)
class Figure:
    """One figure: its value after scale, and what kind of quantity it is."""

    text: str
    value: float
    kind: str  # "percent", "money", "year", "ordinal" or "number"
    currency: str = ""

    def matches(self, other: "Figure") -> bool:
        if not math.isclose(self.value, other.value, rel_tol=1e-6, abs_tol=1e-9):
            return False
        if self.kind == "percent" or other.kind == "percent":
            return self.kind == other.kind
        if self.currency and other.currency:
            return self.currency == other.currency
        return True


def _kind(match: re.Match[str], value: float) -> tuple[str, str]:
    unit = (match["unit"] or "").lower()
    symbol = (match["currency"] or "").strip().lower()
    if unit.startswith(("%", "percent", "per cent")):
        return "percent", ""
    currency = _CURRENCIES.get(symbol) or _CURRENCIES.get(unit, "")
    if currency:
        return "money", currency
    if match["ordinal"]:
        return "ordinal", ""
    if (
        not match["scale"]
        and value.is_integer()
        and 1800 <= value <= 2100
        and "," not in match["value"]
    ):
        return "year", ""
    return "number", ""


def extract_figures(text: str) -> list[Figure]:
    """Every figure in ``text``, in order; footnote markers are not figures."""
    return list(_figures(text))


@lru_cache(maxsize=8192)
def _figures(text: str) -> tuple[Figure, ...]:
    """Cached: re-ranking reads the same passages' figures question after question."""
    figures: list[Figure] = []
    for match in _FIGURE.finditer(text):
        if _is_footnote(text, match):
            continue
        value = float(match["value"].replace(",", ""))
        scale = (match["scale"] or "").lower()
        if scale in ("m", "b", "k") and not match["currency"]:
            # "5 m" is more often metres or a stray letter than millions, unless it is money.
            scale = ""
        value *= _SCALES.get(scale, 1.0)
        kind, currency = _kind(match, value)
        figures.append(Figure(match.group(0).strip(), value, kind, currency))
    for match in _ORDINAL_WORD.finditer(text):
        figures.append(Figure(match.group(0), float(_ORDINALS[match.group(1).lower()]), "ordinal"))
    return tuple(figures)


def _is_footnote(text: str, match: re.Match[str]) -> bool:
    """ "economy,1 fueled" and "(DDT).2 In": a digit glued to punctuation after a word."""
    start = match.start("value")
    return (
        start >= 2
        and text[start - 1] in ",."
        and (text[start - 2].isalpha() or text[start - 2] in ')”"')
        and len(match["value"]) <= 2
        and not match["unit"]
        and not match["scale"]
    )


def unsupported(figures: list[Figure], evidence: list[Figure]) -> list[Figure]:
    """The figures that no evidence figure backs."""
    return [f for f in figures if not any(f.matches(e) for e in evidence)]


def years_in(text: str) -> set[int]:
    return {int(f.value) for f in extract_figures(text) if f.kind == "year"}


_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "«": '"', "»": '"'})


def normalise_for_match(text: str) -> str:
    """Text for fact matching: case, quotes, whitespace, "%", thousands commas and "US$"."""
    text = text.translate(_QUOTES).lower()
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)
    text = re.sub(r"\s*%", " percent", text)
    text = re.sub(r"\bper cent\b", "percent", text)
    text = re.sub(r"\bus\s?\$\s?|\busd\s?(?=\d)", "$", text)
    return re.sub(r"\s+", " ", text).strip()
