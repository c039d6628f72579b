"""Follow-ups: turn "And in 2015?" into a standalone question, offline and deterministically.

Three kinds of follow-up:
- one that swaps something of the previous question for something like it ("What about
  imports?" after a question on exports, "and in 2015?" after one on 2023): the previous question
  is asked again with the swap;
- one that names a topic of its own ("What about pilot zones?" after a question on trade
  agreements): it is asked about that topic, keeping only what the previous question asked
  for ("How many …");
- one that leans on the previous question ("What about its imports?"): the two are read together.
"""

import re
from collections.abc import Sequence

import numpy as np
from langchain_core.embeddings import Embeddings

from assistant.answer.intents import recognise
from assistant.checks.numbers import years_in
from assistant.knowledge.embeddings import as_array
from assistant.search.question import entities_in, key_terms
from assistant.types import Turn

# A phrase of a follow-up this close (cosine, all-MiniLM-L6-v2) to a phrase of the previous
# question takes its place: "imports"/"exports" 0.63, "the United States"/"China" 0.67,
# "services"/"goods" 0.45; a new topic stays lower: "pilot zones" 0.19 against any phrase of a
# question about e-commerce agreements.
SWAP_SIMILARITY = 0.45
# How many of the latest user turns are made standalone in turn to give the previous question.
RESOLVED_TURNS = 4
_FOLLOW_UP = re.compile(
    r"^\s*(and|what about|how about|also|or|but|same|then|so)\b|\b(it|its|they|them|their|this|"
    r"that|these|those|there|he|she|his|her)\b",
    re.IGNORECASE,
)
_LEANS = re.compile(
    r"\b(it|its|they|them|their|this|that|these|those|there|he|she|his|her|him|same|such)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(18|19|20)\d{2}\b")
# "What about pilot zones?", "and the United States?": the follow-up is only a phrase.
_ELLIPSIS = re.compile(
    r"^\s*(?:and|or|but|so|then|also)?\s*(?:(?:what|how)\s+about|and)\s+(?P<phrase>.+?)[\s?.!]*$",
    re.IGNORECASE,
)
# A follow-up that asks its own question ("What is the main thing standing in their way?")
# rather than an ellipsis ("What about imports?", "And in 2015?").
_OWN_QUESTION = re.compile(
    r"^\s*(what|which|who|whom|whose|how|why|where|when)\b(?!\s+about\b)", re.IGNORECASE
)
# The asking part of a question, which a follow-up with its own question does not inherit:
# "When did" in "When did China apply to join the CPTPP?".
_ASKING = re.compile(
    r"^\s*(?:(?:what|which|how)(?:\s+[\w’'-]+){0,2}|when|where|why|who|whom)\s+"
    r"(?:did|does|do|is|are|was|were|has|have|had|will|can|could|would)\s+",
    re.IGNORECASE,
)
# What a question asks for, which a follow-up on a new topic keeps: "How many", "When".
_ASKS_FOR = re.compile(
    r"^\s*(how (?:many|much|long|often|far|big|large|old)|when|where|(?:what|which) year|"
    r"what (?:share|percentage|proportion|fraction|number|amount|value|volume) of)\b",
    re.IGNORECASE,
)
_PREPOSITION = re.compile(
    r"^(?:in|for|at|on|by|during|from|of|to|with|among|between)\s+", re.IGNORECASE
)
_WORD = re.compile(r"[\w’'.&-]+")
# A capitalised word with no capital inside but after Mc, Mac, O' or a hyphen: "São", "McDonald",
# "Lloyd-Jones"; not "MoUs" or "CFO".
_NAME_WORD = re.compile(r"(?:Mc|Mac|O['’])?[^\W\d_][^\W\d_A-Z]*(?:[-'’][^\W\d_][^\W\d_A-Z]*)*")
_CALENDAR = frozenset(
    "January February March April May June July August September October November December "
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
)
_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)


def needs_context(question: str) -> bool:
    return bool(_FOLLOW_UP.search(question)) or len(key_terms(question)) <= 1


def topical(history: Sequence[Turn]) -> list[Turn]:
    """The turns a follow-up may lean on: user questions for the sources and their answers,
    without small talk, help or summary requests (and the replies to them); a greeting in
    front of a question is dropped ("Hi, what is X?" -> "what is X?")."""
    kept: list[Turn] = []
    skipping = False
    for turn in history:
        if turn.role == "user":
            recognised = recognise(turn.content)
            skipping = recognised.intent != "question"
            if not skipping:
                kept.append(Turn(role="user", content=recognised.text))
        elif not skipping:
            kept.append(turn)
    return kept


def _phrases(question: str) -> list[tuple[int, int]]:
    """Spans of one to four words of ``question`` that begin and end with a content word."""
    words = [(m.start(), m.end()) for m in _WORD.finditer(question.rstrip("?. "))]
    content = [bool(key_terms(question[a:b])) and not _YEAR.fullmatch(question[a:b])
               for a, b in words]
    return [
        (words[i][0], words[j][1])
        for i in range(len(words)) if content[i]
        for j in range(i, min(i + 4, len(words))) if content[j]
    ]


def _swap_name(phrase: str, question: str, previous: str) -> str | None:
    """A follow-up ``question`` whose phrase is a name puts it in place of the one name of the
    previous question ("What about Quillmoor?" after "Who chairs Harbourline?"): names are
    swapped for names, however unalike they read."""
    names, name = entities_in(previous), _ARTICLE.sub("", phrase)
    if (
        len(set(names)) != 1 or name not in entities_in(question) or name in names
        or not _proper_name(name) or names[0] not in previous
    ):
        return None
    at = previous.index(names[0])
    article = _ARTICLE.match(phrase)
    if article and previous[:at].lower().endswith(article.group(0).lower()):
        phrase = name
    return previous[:at] + phrase + previous[at + len(names[0]) :]


def _proper_name(name: str) -> bool:
    """A place, organisation or person: capitalised words, none all capitals (an acronym such as
    "MoUs" or a role such as "CFO") and not a month or weekday."""
    words = name.split()
    return all(w[:1].isupper() and _NAME_WORD.fullmatch(w) for w in words) and not (
        set(words) & _CALENDAR
    )


def _swap(phrase: str, previous: str, embeddings: Embeddings) -> str | None:
    """The previous question with its phrase most like ``phrase`` swapped for it, if any is
    alike enough (``SWAP_SIMILARITY``)."""
    spans = _phrases(previous)
    if not spans:
        return None
    vectors = as_array(embeddings, [phrase, *(previous[a:b] for a, b in spans)])
    similarity = vectors[1:] @ vectors[0]
    best = int(np.argmax(similarity))
    if similarity[best] < SWAP_SIMILARITY:
        return None
    start, end = _whole_name(previous, spans, spans[best], phrase)
    before = previous[:start]
    article = _ARTICLE.match(phrase)
    if article and before.lower().endswith(article.group(0).lower()):
        phrase = phrase[article.end() :]
    return before + phrase + previous[end:]


def _whole_name(
    previous: str, spans: list[tuple[int, int]], chosen: tuple[int, int], phrase: str
) -> tuple[int, int]:
    """A phrase sharing its last word with the chosen span ("the Enterprise plan" for "plan")
    replaces the whole run of content words ending there ("Team plan"), not only that word."""
    start, end = chosen
    if previous[start:end].split()[-1].lower() != phrase.split()[-1].lower():
        return chosen
    runs = [a for a, b in spans if b == end and all(key_terms(w) for w in previous[a:b].split())]
    return min(runs, default=start), end


def _is_topic(phrase: str) -> bool:
    """A phrase that names something (not a pronoun, a question of its own or a year)."""
    return bool(key_terms(phrase)) and not (
        _LEANS.search(phrase) or _OWN_QUESTION.match(phrase) or years_in(phrase)
    )


def _on_new_topic(phrase: str, question: str, previous: str) -> str:
    """A follow-up about a topic of its own keeps what the previous question asked for and,
    when it names no one itself, the proper names that question asked it of ("How many beds
    (Harborview)?" after "How many patients did Harborview treat?": inside the sentence, where
    the answer step reads them as names). After "What is the Digital
    Silk Road?" the name was the topic, and nothing is kept."""
    asks = _ASKS_FOR.match(previous)
    if not asks:
        return f"What about {phrase}?"
    names = [] if entities_in(question) else [
        name for name in dict.fromkeys(entities_in(previous)) if _proper_name(name)
    ]
    return f"{asks.group(1)} {phrase} ({', '.join(names)})?" if names else (
        f"{asks.group(1)} {phrase}?"
    )


def condense(
    question: str, history: Sequence[Turn], embeddings: Embeddings | None = None
) -> str:
    """Carry the previous user question, itself made standalone in turn, into a follow-up
    that leans on it.

    A follow-up naming a year replaces the previous question's years ("And in 2015?" after a
    question about 2023 asks the same about 2015). With ``embeddings``, a follow-up that is only
    a phrase either swaps it into the previous question (a name for its name, or a phrase for
    the one most like it) or, when nothing there is like it, asks about it alone. Otherwise the
    two are read together.
    """
    previous = None
    for turn in topical(history)[-2 * RESOLVED_TURNS :]:
        if turn.role == "user":
            previous = _standalone(turn.content, previous, embeddings)
    return _standalone(question, previous, embeddings)


def _standalone(question: str, previous: str | None, embeddings: Embeddings | None) -> str:
    if not previous or not needs_context(question):
        return question
    if years_in(question) and years_in(previous) and len(key_terms(question)) <= 1:
        year = " and ".join(str(y) for y in sorted(years_in(question)))
        return (
            _YEAR.sub(year, previous, count=1)
            if len(years_in(previous)) == 1
            else f"{previous} {question}"
        )
    ellipsis = _ELLIPSIS.match(question)
    phrase = ellipsis.group("phrase") if ellipsis else ""
    if embeddings is not None and _is_topic(phrase):
        topic = _PREPOSITION.sub("", phrase)
        swapped = _swap_name(topic, question, previous) or _swap(topic, previous, embeddings)
        return swapped or _on_new_topic(phrase, question, previous)
    if _OWN_QUESTION.search(question) and len(key_terms(question)) >= 2:
        topic = _ASKING.sub("", previous, count=1).strip().rstrip("?").strip()
        return f"{question.strip().rstrip('?').rstrip()} ({topic})?"
    return f"{previous.rstrip()} {question.strip()}"
