"""What a question asks for: its key terms and the constraints an answer must meet."""

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from assistant.lexical import split_terms
from assistant.numbers import years_in

_QUESTION_WORDS = {
    "what",
    "which",
    "who",
    "whom",
    "whose",
    "when",
    "where",
    "why",
    "how",
    "does",
    "did",
    "do",
    "is",
    "are",
    "was",
    "were",
    "has",
    "have",
    "had",
    "can",
    "could",
    "would",
    "will",
    "should",
    "tell",
    "me",
    "please",
    "about",
    "according",
    "article",
    "source",
    "sources",
    "text",
    "say",
    "says",
    "said",
    "mention",
    "mentioned",
    "give",
    "many",
    "much",
    "number",
    "figure",
    "amount",
}
_NOT_ENTITIES = {
    "what",
    "which",
    "who",
    "when",
    "where",
    "why",
    "how",
    "does",
    "did",
    "do",
    "is",
    "are",
    "was",
    "were",
    "and",
    "in",
    "the",
    "a",
    "an",
    "of",
    "by",
    "for",
    "tell",
    "according",
    "give",
    "list",
    "name",
    "i",
    "if",
    "can",
    "could",
    "please",
    "so",
    "then",
    "also",
    "on",
    "to",
    "with",
    "as",
    "has",
    "have",
    "had",
    "from",
    "at",
    "it",
    "its",
    "this",
    "that",
    "there",
    "between",
    "after",
    "before",
    "during",
    "since",
    "ok",
    "okay",
    "thanks",
    "hi",
    "hello",
}
_QUANTITY = re.compile(
    r"\b(how (many|much|big|large|high|far)|what (percentage|percent|share|proportion|fraction|"
    r"portion|number|amount|value|volume|size|level|figure|rank|position)|how did .* rank|"
    r"what was the (total|value|volume|share|number)|where does .* rank|where did .* rank|"
    r"which (place|position|rank))\b",
    re.IGNORECASE,
)
_ENTITY = re.compile(r"\b[A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*)*")


@cache
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("english")


@cache
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN) | _QUESTION_WORDS


def key_terms(text: str) -> list[str]:
    """Stemmed content words, in order, without duplicates."""
    words = [w for w in split_terms(text) if w not in _stopwords() and not w.isdigit()]
    stems = _stemmer().stemWords(words)
    return list(dict.fromkeys(s for s in stems if len(s) > 1))


def stems_of(text: str) -> set[str]:
    return set(_stemmer().stemWords(split_terms(text)))


def entities_in(question: str) -> list[str]:
    """Capitalised names the answer must be about (not a question's first word)."""
    found: list[str] = []
    for match in _ENTITY.finditer(question):
        words = [w.strip(".-") for w in match.group(0).split()]
        while words and words[0].lower() in _NOT_ENTITIES:
            words = words[1:]
        name = " ".join(words)
        if name and name.lower() not in _NOT_ENTITIES and not name.isdigit():
            found.append(name)
    return found


def mentions(text: str, entity: str) -> bool:
    """Whether ``text`` names ``entity``, allowing demonyms ("China" ~ "Chinese")."""
    words = [
        re.escape(word[: max(4, len(word) - 3)] if len(word) > 4 else word) + r"[\w-]*"
        for word in entity.split()
    ]
    return re.search(r"\b" + r"\s+".join(words), text, re.IGNORECASE) is not None


@dataclass(frozen=True)
class QuestionNeeds:
    terms: list[str]
    years: set[int] = field(default_factory=set)
    entities: list[str] = field(default_factory=list)
    wants_quantity: bool = False


def analyse(question: str) -> QuestionNeeds:
    return QuestionNeeds(
        terms=key_terms(question),
        years=years_in(question),
        entities=entities_in(question),
        wants_quantity=bool(_QUANTITY.search(question)),
    )
