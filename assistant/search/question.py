"""What a question asks for: its key terms and the constraints an answer must meet."""

import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from assistant.checks.numbers import years_in
from assistant.knowledge.lexical import english_stopwords, split_terms, stemmer
from assistant.search.answer_types import AnswerType, asked_type
from assistant.search.forms import AskedForm, asked_form

_stemmer = cache(stemmer)  # one per process, for question analysis

_QUESTION_WORDS = frozenset(
    (
        "about according amount are article can could did do does figure give had has have "
        "how is many me mention mentioned much number please said say says should source "
        "sources tell text was were what when where which who whom whose why will would"
    ).split()
)
_FILLER_WORDS = frozenset(
    (
        "about actually also any approximately around else exactly from it's its just kind rather "
        "kinds really roughly some sort than type"
    ).split()
)
_NOT_ENTITIES = frozenset(
    (
        "a according after also an and are as at before between by can could did do does "
        "during for from give had has have hello hi how i if in is it its list name of ok "
        "okay on please since so tell thanks that the then there this to was were what when "
        "where which who why with"
    ).split()
)
_QUANTITY = re.compile(
    r"\b(how (many|much|big|large|high|far)|percentage|proportion|fraction|portion|"
    r"what (share|number|amount|value|volume|size|level|figure)|rank(s|ed|ing)?|position|"
    r"which place)\b",
    re.IGNORECASE,
)
_MEASURE = re.compile(
    r"\bhow (?:many|much) ([\w\s-]+?)\s+(?:did|does|do|has|have|had|is|are|was|were|will|can)\b|"
    r"\bwhat (?:was|is|were|are) (?:the )?(?:[\w.-]+(?:'s|’s) )([\w\s-]+?)"
    r"(?:\s+(?:in|of|for|by|at)\b|\?|$)",
    re.IGNORECASE,
)
_GENERIC_MEASURES = frozenset(
    (
        "amount big count date figur fraction larg level mani much number part percent "
        "percentag place portion posit proportion rank share size slice time total valu volum "
        "year"
    ).split()
)
_ALONE = re.compile(
    r"\b(on (its|their|his|her) own|alone|by itself|individually|separately|by themselves)\b",
    re.IGNORECASE,
)
# A year is required only when the question asks for one; "when" is also answered by a date,
# a duration or a recurrence ("within two weeks", "on the last working day of each month").
_WHEN = re.compile(r"\b(?:what|which|in what|in which) year\b", re.IGNORECASE)
_ENTITY = re.compile(r"\b[A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*)*")
_ACRONYM = re.compile(r"[A-Z]{2,8}")
# Capitalised words, with the small words a long form keeps: "Association of Southeast Asian
# Nations", "Group of Twenty".
_CAPITALISED_RUN = re.compile(r"\b[A-Z][\w-]*(?:\s+(?:(?:of|and|for|the|on|&)\s+)*[A-Z][\w-]*)*")


@cache
def _stopwords() -> frozenset[str]:
    return english_stopwords() | _QUESTION_WORDS | _FILLER_WORDS


def key_terms(text: str) -> list[str]:
    """Stemmed content words, in order, without duplicates."""
    return list(_key_terms(text))


@lru_cache(maxsize=8192)
def _key_terms(text: str) -> tuple[str, ...]:
    """Cached: re-ranking reads the same passages question after question."""
    words = [w for w in split_terms(text) if w not in _stopwords() and not w.isdigit()]
    stems = _stemmer().stemWords(words)
    return tuple(dict.fromkeys(s for s in stems if len(s) > 1))


@lru_cache(maxsize=8192)
def stems_of(text: str) -> frozenset[str]:
    """Cached: re-ranking stems the same passages question after question."""
    return frozenset(_stemmer().stemWords(split_terms(text)))


_SENTENCE_START = re.compile(r"(?:^|[.?!:;]\s+|\n\s*)[\"“‘(]?$")


def entities_in(question: str) -> list[str]:
    """Capitalised names the answer must be about. The first word of each of the question's
    sentences is capitalised by grammar ("Describe each.", "Based on…"), so it is no name unless
    it is an acronym."""
    found: list[str] = []
    for match in _ENTITY.finditer(question):
        words = [
            w.strip(".-").removesuffix("'s").removesuffix("’s") for w in match.group(0).split()
        ]
        starts_sentence = _SENTENCE_START.search(question[: match.start()]) is not None
        if starts_sentence and not words[0].isupper():
            words = words[1:]
        while words and words[0].lower() in _NOT_ENTITIES:
            words = words[1:]
        name = " ".join(words)
        if name and name.lower() not in _NOT_ENTITIES and not name.isdigit():
            found.append(name)
    return found


def word_pattern(word: str) -> str:
    """A name's word, allowing demonyms and plurals ("China" ~ "Chinese", "MoU" ~ "MoUs")."""
    return r"\b" + re.escape(word[: max(4, len(word) - 3)] if len(word) > 4 else word) + r"[\w-]*"


def _name_regex(entity: str) -> str:
    return r"[\s’']+(?:s\s+)?".join(word_pattern(w) for w in entity.split())


@lru_cache(maxsize=4096)
def written_name(entity: str) -> re.Pattern[str]:
    """``entity`` with its capitals as written, each word as ``word_pattern`` allows ("China"
    ~ "Chinese"), but not a lower-case word it begins: "Apple", not "applied"."""
    return re.compile(_name_regex(entity))


@lru_cache(maxsize=16384)
def mentions(text: str, entity: str) -> bool:
    """Whether ``text`` names ``entity`` as a phrase, or spells out the acronym it is (cached)."""
    pattern = _name_regex(entity)
    return re.search(pattern, text, re.IGNORECASE) is not None or spells_out(text, entity)


def mentions_words(text: str, entity: str) -> bool:
    """Whether ``text`` names each word of ``entity`` somewhere (a looser test)."""
    return all(
        re.search(word_pattern(w), text, re.IGNORECASE) for w in entity.split()
    ) or spells_out(text, entity)


@lru_cache(maxsize=8192)
def spells_out(text: str, acronym: str) -> bool:
    """Whether ``text`` gives the long form of an acronym: "ASEAN" in "the Association of
    Southeast Asian Nations". Two or more capitalised words each give the next letter by their
    initial, and may give one more from inside ("S", "E" from "Southeast").

    Cached: re-ranking asks it of the same passages for every question naming an acronym."""
    if not _ACRONYM.fullmatch(acronym):
        return False
    letters = acronym.lower()
    for run in _CAPITALISED_RUN.finditer(text):
        words = [w.lower() for w in run.group(0).split() if w[0].isupper()]
        if any(_spells(letters, words[i:]) for i in range(len(words))):
            return True
    return False


def _spells(letters: str, words: list[str], used: int = 0) -> bool:
    if not letters:
        return used >= 2
    if not words or words[0][0] != letters[0]:
        return False
    if _spells(letters[1:], words[1:], used + 1):
        return True
    inner = len(letters) > 1 and letters[1] in words[0][1:]
    return inner and _spells(letters[2:], words[1:], used + 1)


@dataclass(frozen=True)
class QuestionNeeds:
    terms: list[str]
    years: set[int] = field(default_factory=set)
    entities: list[str] = field(default_factory=list)
    wants_quantity: bool = False
    wants_year: bool = False
    measure: list[str] = field(default_factory=list)
    measure_text: str = ""
    alone: bool = False
    form: AskedForm = field(default_factory=AskedForm)
    asked: AnswerType = "other"


def analyse(question: str) -> QuestionNeeds:
    wants_year = bool(_WHEN.search(question))
    terms = key_terms(question)
    return QuestionNeeds(
        terms=[t for t in terms if t not in ("year", "date", "time")] if wants_year else terms,
        years=years_in(question),
        entities=entities_in(question),
        wants_quantity=bool(_QUANTITY.search(question)),
        wants_year=wants_year,
        alone=bool(_ALONE.search(question)),
        form=asked_form(question),
        asked=asked_type(question),
        **_measure(question),
    )


def _measure(question: str) -> dict[str, Any]:
    """What a quantity question counts or measures ("revenue", "people"), minus generic words."""
    match = _MEASURE.search(question)
    if not match:
        return {}
    phrase = (match.group(1) or match.group(2) or "").strip()
    phrase = re.split(r"\s+(?:among|of|in|for|by|at|from|to|with|on|per)\s+", phrase)[0]
    terms = [t for t in key_terms(phrase) if t not in _GENERIC_MEASURES]
    return {"measure": terms, "measure_text": phrase}
