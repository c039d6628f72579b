"""Figures in text: find them, normalise them, compare them.

"42.8%" = "42.8 percent", "US$363 billion" = "$363bn", "2,500" = "2500", "sixth" = "6th",
"twelve percent" = "12%", "a third of" = "one-third of" (a fraction, never a percentage).
"""

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from assistant.checks import number_words

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
_FIGURE = re.compile(
    r"(?P<currency>US\$|\$|€|£|¥|\bRMB\s?|\bUSD\s?|\bCNY\s?)?"
    r"(?<![\w.,])(?P<value>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d,]*\d)"
    r"(?P<ordinal>st|nd|rd|th)?"
    r"(?:\s?(?P<scale>thousand|million|billion|trillion|bn|mn|tn|[kmb])\b)?"
    r"(?:\s?(?P<unit>%|percent(?:age points?)?|per cent|yuan|renminbi|dollars?|euros?"
    r"|usd|rmb|cny))?",
    re.IGNORECASE,
)
_UNIT_AFTER = re.compile(
    r"\s?(?P<unit>%|percent(?:age points?)?|per cent|yuan|renminbi|dollars?|euros?|usd|rmb|cny)"
    r"(?!\w)",
    re.IGNORECASE,
)
# What is never a figure: markup tags (an echoed ``<source id="1">``), citation markers ``[3]``
# and list numbering ("1. Alibaba 2. Tencent", "(1) ... (2) ...").
_TAG = re.compile(
    r"</?[A-Za-z][\w:-]*(?:\s+[\w:-]+(?:\s*=\s*(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s<>\"']+))?)*\s*/?>"
)
_CITATION_MARKER = re.compile(r"\[\d{1,3}\]")
_LINE_ITEM = re.compile(r"^[ \t]*(?:[-*•][ \t]*)?\(?(\d{1,2})[.)](?=[ \t]+\S)", re.MULTILINE)
_INLINE_ITEM = re.compile(r"(?:(?<=^)|(?<=[\s:;,]))\(?(\d{1,2})[.)](?=[ \t]+\S)", re.MULTILINE)


@dataclass(frozen=True)
class Figure:
    """One figure: its value after scale, and what kind of quantity it is."""

    text: str
    value: float
    kind: str  # "percent", "money", "year", "ordinal", "fraction" or "number"
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
        and 1000 <= value <= 2100
        and re.fullmatch(r"\d{4}", match["value"])
    ):
        return "year", ""
    return "number", ""


def extract_figures(text: str) -> list[Figure]:
    """Every figure in ``text``, in order: digits ("42.8%", "US$363 billion", "6th") and words
    ("twelve percent", "three days", "a third of", "fourteenth"). Footnote digits, citation
    markers, list numbering and markup tags are not figures."""
    return list(_figures(text))


@lru_cache(maxsize=8192)
def _figures(text: str) -> tuple[Figure, ...]:
    """Cached: re-ranking reads the same passages' figures question after question."""
    masked = _masked(text)
    found = [*_digit_figures(masked), *_word_figures(masked)]
    return tuple(figure for _, figure in sorted(found, key=lambda pair: pair[0]))


def _digit_figures(text: str) -> Iterator[tuple[int, Figure]]:
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
        yield match.start(), Figure(match.group(0).strip(), value, kind, currency)


def _word_figures(text: str) -> Iterator[tuple[int, Figure]]:
    """Fractions first, then ordinals, then cardinals, none overlapping an earlier one."""
    taken: list[tuple[int, int]] = []
    for finder in (number_words.fractions, number_words.ordinals, number_words.cardinals):
        for word in finder(text):
            if any(word.start < end and start < word.end for start, end in taken):
                continue
            figure = _word_figure(text, word)
            if figure is not None:
                taken.append((word.start, word.end))
                yield word.start, figure


def _word_figure(text: str, word: number_words.WordFigure) -> Figure | None:
    phrase = text[word.start : word.end]
    if word.kind != "number":
        return Figure(phrase, word.value, word.kind)
    unit_match = _UNIT_AFTER.match(text, word.end)
    unit = unit_match["unit"].lower() if unit_match else ""
    if word.value <= 1 and not unit and " " not in phrase.strip():
        return None  # "one of the largest", "zero-sum"
    if unit_match:
        phrase = text[word.start : unit_match.end()]
    if unit.startswith(("%", "percent", "per cent")):
        return Figure(phrase, word.value, "percent")
    currency = _CURRENCIES.get(unit, "")
    return Figure(phrase, word.value, "money" if currency else "number", currency)


def _masked(text: str) -> str:
    """``text`` with what is never a figure blanked out, offsets unchanged."""
    spans = [m.span() for m in _TAG.finditer(text)]
    spans += [m.span() for m in _CITATION_MARKER.finditer(text)]
    spans += list_numbering(text)
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def list_numbering(text: str) -> list[tuple[int, int]]:
    """Where ``text`` numbers list items: "1." or "(2)" opening a line, and inline numbering
    "1. Alibaba 2. Tencent" (items 1, 2, … in order, at least two)."""
    spans = [m.span() for m in _LINE_ITEM.finditer(text)]
    run: list[tuple[int, int]] = []
    for match in _INLINE_ITEM.finditer(text):
        number = int(match[1])
        if number == len(run) + 1:
            run.append(match.span())
        elif number == 1:
            run = [match.span()]
        else:
            continue
        if len(run) >= 2:
            spans.extend(run[-2:] if len(run) == 2 else run[-1:])
    return spans


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
