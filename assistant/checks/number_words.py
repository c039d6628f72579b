"""Figures written as words: "three days", "twelve percent", "a third of", "fourteenth".

``assistant.checks.numbers.extract_figures`` is the entry point; this module only finds the
word forms and their values. A bare "one" ("one of the largest") and "a third party" are not
figures; "one million", "one percent", "a third of" and "two thirds" are.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

_UNITS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy "
                                                  "eighty ninety".split())}
CARDINALS = {w: i for i, w in enumerate(_UNITS)} | _TENS
_ORDINAL_UNITS = (
    "zeroth first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
    "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth"
).split()
ORDINALS = {w: i for i, w in enumerate(_ORDINAL_UNITS) if i} | {
    w.removesuffix("y") + "ieth": n for w, n in _TENS.items()
} | {"hundredth": 100, "thousandth": 1000}
# Denominators of fractions; "fourth" is left out: "a fourth round" is an ordinal far more
# often than a quarter.
_PARTS = {w: n for w, n in ORDINALS.items() if 5 <= n <= 10}
DENOMINATORS = (
    {"half": 2, "halves": 2, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4}
    | _PARTS
    | {w + "s": n for w, n in _PARTS.items()}
)
SCALE_WORDS = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}

_TENS_ALT = "|".join(_TENS)
_UNIT_ALT = "|".join(sorted(_UNITS[1:10], key=len, reverse=True))
_CARDINAL = (
    rf"(?:(?:{_TENS_ALT})(?:[-\s](?:{_UNIT_ALT}))?|"
    + "|".join(sorted(_UNITS, key=len, reverse=True))
    + ")"
)
_ORDINAL_ALT = "|".join(sorted(ORDINALS, key=len, reverse=True))
_NUMERATOR = rf"(?:a|an|one|{_UNIT_ALT}|ten)"
_DENOMINATOR_ALT = "|".join(sorted(DENOMINATORS, key=len, reverse=True))

FRACTION = re.compile(
    rf"\b(?P<numerator>{_NUMERATOR})[-\s](?P<denominator>{_DENOMINATOR_ALT})\b"
    r"(?P<of>\s+of\b)?",
    re.IGNORECASE,
)
ORDINAL = re.compile(
    rf"\b(?:(?P<tens>{_TENS_ALT})[-\s])?(?P<ordinal>{_ORDINAL_ALT})\b", re.IGNORECASE
)
CARDINAL = re.compile(
    rf"\b(?P<number>{_CARDINAL}(?:\s(?:hundred)(?:\s(?:and\s)?{_CARDINAL})?)?)\b"
    r"(?:\s(?P<scale>thousand|million|billion|trillion)\b)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class WordFigure:
    start: int
    end: int
    value: float
    kind: str  # "fraction", "ordinal" or "number"; numbers may take a unit after them


def cardinal_value(phrase: str) -> float:
    """ "twenty-one" -> 21, "three hundred and five" -> 305."""
    total = 0.0
    current = 0.0
    for word in re.split(r"[-\s]+", phrase.lower()):
        if word == "and":
            continue
        if word == "hundred":
            current = (current or 1) * 100
        else:
            current += CARDINALS[word]
    return total + current


def fractions(text: str) -> Iterator[WordFigure]:
    for match in FRACTION.finditer(text):
        denominator = match["denominator"].lower()
        singular = not denominator.endswith(("s", "halves"))
        if singular and not match["of"] and not _closes(text, match.end()):
            continue  # "a third party", "a fifth round"
        numerator = match["numerator"].lower()
        count = 1 if numerator in ("a", "an", "one") else CARDINALS[numerator]
        yield WordFigure(
            match.start(), match.end("denominator"), count / DENOMINATORS[denominator], "fraction"
        )


def ordinals(text: str) -> Iterator[WordFigure]:
    for match in ORDINAL.finditer(text):
        tens = _TENS.get((match["tens"] or "").lower(), 0)
        value = tens + ORDINALS[match["ordinal"].lower()]
        yield WordFigure(match.start(), match.end(), float(value), "ordinal")


def cardinals(text: str) -> Iterator[WordFigure]:
    """Cardinal numbers with their scale; a bare "one" or "zero" is left out, since it is
    seldom a quantity ("one of the largest"), unless a unit follows it (see numbers.py)."""
    for match in CARDINAL.finditer(text):
        value = cardinal_value(match["number"]) * SCALE_WORDS.get(
            (match["scale"] or "").lower(), 1.0
        )
        yield WordFigure(match.start(), match.end(), value, "number")


def _closes(text: str, end: int) -> bool:
    """Whether a phrase ends its clause: punctuation or the end of the text follows."""
    rest = text[end:].lstrip()
    return not rest or rest[0] in ".,;:!?)]”\""
