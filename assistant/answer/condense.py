"""Follow-ups: turn "And in 2015?" into a standalone question, offline and deterministically."""

import re
from collections.abc import Sequence

from assistant.checks.numbers import years_in
from assistant.search.question import key_terms
from assistant.types import Turn

_FOLLOW_UP = re.compile(
    r"^\s*(and|what about|how about|also|or|but|same|then|so)\b|\b(it|its|they|them|their|this|"
    r"that|these|those|there|he|she|his|her)\b",
    re.IGNORECASE,
)
_YEAR = re.compile(r"\b(18|19|20)\d{2}\b")
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


def needs_context(question: str) -> bool:
    return bool(_FOLLOW_UP.search(question)) or len(key_terms(question)) <= 1


def condense(question: str, history: Sequence[Turn]) -> str:
    """Carry the previous user question into a follow-up that leans on it.

    A follow-up naming a year replaces the previous question's years ("And in 2015?" after a
    question about 2023 asks the same about 2015); otherwise the two are read together.
    """
    previous = next((t.content for t in reversed(history) if t.role == "user"), None)
    if not previous or not needs_context(question):
        return question
    if years_in(question) and years_in(previous) and len(key_terms(question)) <= 1:
        year = " and ".join(str(y) for y in sorted(years_in(question)))
        return (
            _YEAR.sub(year, previous, count=1)
            if len(years_in(previous)) == 1
            else f"{previous} {question}"
        )
    if _OWN_QUESTION.search(question) and len(key_terms(question)) >= 2:
        topic = _ASKING.sub("", previous, count=1).strip().rstrip("?").strip()
        return f"{question.strip()} ({topic})"
    return f"{previous.rstrip()} {question.strip()}"
