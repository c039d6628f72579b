"""What kind of answer a question asks for, and whether a passage holds one.

General question-type rules, not cue words of any one document: "when" wants a date, a duration
or a recurrence; "how many" a figure written in digits or words (``assistant.checks.numbers``);
"who" (or "which organisation") a name; "where" a place; "why" a reason; "how" a way of doing
something.
"""

import re
from functools import lru_cache
from typing import Literal

from assistant.checks.numbers import extract_figures
from assistant.search.forms import asked_form, claims_primacy, quotes_wording, set_aside

AnswerType = Literal[
    "contrast", "wording", "time", "quantity", "person", "place", "reason", "primacy", "manner",
    "other",
]

_ASKS: tuple[tuple[AnswerType, re.Pattern[str]], ...] = (
    ("quantity", re.compile(
        r"\bhow (?:many|much|long|far|big|large|old|often|high|tall|wide|deep|fast|heavy)\b|"
        r"\bwhat (?:percentage|percent|proportion|number|amount|share|fraction|size|value|"
        r"level|rate|total|sum|population|distance|length|price|cost)\b|\bhow \w+ (?:is|are|was"
        r"|were) (?:there|it)\b", re.IGNORECASE)),
    ("time", re.compile(
        r"\bwhen\b|\bwhat (?:year|date|time|day|month|century|decade|period|era|age)\b|"
        r"\bwhat\b[^?]{0,30}\b(?:hours|times|schedule|deadline)\b|"
        r"\bwhich (?:year|date|day|month|century|decade|period|era)\b|\bhow long ago\b",
        re.IGNORECASE)),
    ("person", re.compile(
        r"\b(?:who|whom|whose)\b|\b(?:what|which) (?:organi[sz]ations?|compan(?:y|ies)|"
        r"institutions?|agenc(?:y|ies)|bod(?:y|ies)|firms?|publishers?|universit(?:y|ies)|"
        r"newspapers?|parties|party|persons?|people|man|woman|men|women|authors?|writers?|"
        r"leaders?|rulers?|kings?|queens?|emperors?|presidents?)\b", re.IGNORECASE)),
    ("place", re.compile(
        r"\bwhere\b|\b(?:what|which) (?:city|country|countries|place|region|location|state|"
        r"town|area|continent|island|river|province)\b", re.IGNORECASE)),
    ("reason", re.compile(r"\bwhy\b|\bwhat (?:caused|causes|led to|was the reason|is the "
                          r"reason|reason)\b|\bfor what reason\b", re.IGNORECASE)),
    ("manner", re.compile(r"^\W*how\b(?!\s+(?:many|much|long|far|big|large|old|often))",
                          re.IGNORECASE)),
)

_MONTHS = (
    r"January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday"
)
_UNITS = r"(?:second|minute|hour|day|week|month|year|decade|centur(?:y|ies)|millenni(?:um|a))s?"
_NUMBER_WORD = (
    r"(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|"
    r"thirty|forty|fifty|hundred|several|few|many|\d+(?:[.,]\d+)?)"
)
_TIME = re.compile(
    rf"\b(?:{_MONTHS})\b|\b\d{{1,4}}(?:s|th|st|nd|rd)?\s+(?:BC|AD|BCE|CE)\b|\b1\d{{3}}s?\b|"
    rf"\b\d{{1,2}}[:.]\d{{2}}\b|\b\d{{1,2}}\s?(?:am|pm|a\.m\.|p\.m\.)|\bnoon\b|\bmidnight\b|"
    rf"\b20\d{{2}}s?\b|\b{_NUMBER_WORD}(?:[\s-]+{_NUMBER_WORD})?[\s-]+{_UNITS}\b|"
    rf"\b(?:each|every|per|last|first|next|following|previous)\s+(?:working\s+)?"
    rf"(?:day|week|month|year|quarter|morning|evening|night|time)\b|\b(?:daily|weekly|monthly|"
    rf"yearly|annually|quarterly|centur(?:y|ies)|decades?|era|period|dynasty|reign|age)\b|"
    rf"\b(?:before|after|during|until|since|within|by the time)\b",
    re.IGNORECASE,
)
_REASON = re.compile(
    r"\b(?:because|due to|owing to|as a result|result(?:ed|s)? (?:of|in|from)|so that|in order "
    r"to|since|caus(?:e|ed|es|ing)|le(?:d|ads?) to|therefore|thus|hence|reasons?|motivat\w*|"
    r"aim(?:ed)? to|to (?:avoid|prevent|ensure|allow|protect|gain|escape))\b",
    re.IGNORECASE,
)
_MANNER = re.compile(
    r"\b(?:by\s+\w+ing|by means of|through|using|via|with the help of|by\s+(?:the|a|an)\b|"
    r"method|process|way)\b",
    re.IGNORECASE,
)
_NAME = re.compile(
    r"(?<![.!?]\s)(?<!^)\b[A-Z][a-z'’-]+(?:\s+(?:of|de|von|van|the)?\s*[A-Z][a-z'’-]+)*"
)


@lru_cache(maxsize=4096)
def asked_type(question: str) -> AnswerType:
    """What the question's wording asks for: a contrast ("Rather than A, what…?"), the words
    used ("How is it described?"), then the first matching rule of ``_ASKS``, then primacy
    ("the main obstacle"), a way ("how…?"); "other" for the rest."""
    form = asked_form(question)
    if form.rejected:
        return "contrast"
    if form.wording:
        return "wording"
    for kind, pattern in _ASKS:
        if kind == "manner" and form.ranked:
            return "primacy"
        if pattern.search(question):
            return kind
    return "primacy" if form.ranked else "other"


def _names(text: str) -> set[str]:
    return {m.group(0).lower() for m in _NAME.finditer(text)}


@lru_cache(maxsize=16384)
def holds_type(kind: AnswerType, text: str, question: str) -> bool:
    """Whether ``text`` holds an answer of ``kind`` that the question does not already state."""
    if kind == "quantity":
        asked = {f.text.lower() for f in extract_figures(question)}
        return any(
            f.kind != "year" and f.text.lower() not in asked for f in extract_figures(text)
        )
    if kind == "time":
        asked = {m.group(0).lower() for m in _TIME.finditer(question)}
        return any(m.group(0).lower() not in asked for m in _TIME.finditer(text))
    if kind in ("person", "place"):
        return bool(_names(text) - _names(question) - {w.lower() for w in question.split()})
    if kind == "reason":
        return _REASON.search(text) is not None
    if kind == "manner":
        return _MANNER.search(text) is not None
    if kind == "primacy":
        return claims_primacy(text)
    if kind == "wording":
        return quotes_wording(text)
    if kind == "contrast":
        return bool(set_aside(text))
    return True
