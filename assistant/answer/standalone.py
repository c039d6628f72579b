"""Follow-ups rewritten by the model into standalone questions, used only when they pass checks.

A small model's rewrite can be an answer, the previous question again, a question with invented
figures or a line such as "User: 2035 [1]". A rewrite is used when it is a question, every
figure in it is in the conversation, it keeps the follow-up's own figures and at least one of
its key words, and it shares key words with the conversation; otherwise the offline
condensation (``assistant.answer.condense``) is used.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from assistant.answer.llm import CONDENSE_TOKENS, condense_prompt, quoted
from assistant.answer.models import CallPolicy
from assistant.answer.stream import ModelCall
from assistant.checks.claims import MARKER
from assistant.checks.numbers import extract_figures, unsupported
from assistant.search.question import key_terms
from assistant.types import Turn

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

_LABEL = re.compile(r"^(standalone question|question|last message)\s*:\s*", re.IGNORECASE)
_ROLE = re.compile(r"^\s*(user|assistant|system)\s*:", re.IGNORECASE)
_ASKS = re.compile(
    r"^(what|which|who|whom|whose|when|where|why|how|is|are|was|were|do|does|did|can|could|"
    r"will|would|should|has|have|had|list|name|describe|explain|tell|give|compare|summari[sz]e)\b",
    re.IGNORECASE,
)


def _first_line(reply: str) -> str:
    line = next((line for line in reply.strip().splitlines() if line.strip()), "")
    return _LABEL.sub("", line).strip().strip("\"'“”").strip()


def _normal(text: str) -> str:
    return " ".join(text.lower().split()).rstrip("?. ")


def usable(candidate: str, question: str, history: Sequence[Turn]) -> bool:
    """Whether a model's rewrite of ``question`` may be searched for (see the module doc)."""
    if not candidate or len(candidate) > 4 * max(len(question), 100):
        return False
    if MARKER.search(candidate) or _ROLE.match(candidate):
        return False
    if not (candidate.rstrip().endswith("?") or _ASKS.match(candidate)):
        return False
    conversation = " ".join([*(t.content for t in history), question])
    figures = extract_figures(candidate)
    if unsupported(figures, extract_figures(conversation)):
        return False  # a figure nobody said
    if unsupported(extract_figures(question), figures):
        return False  # the follow-up's own year or figure was lost
    terms = set(key_terms(candidate))
    own = set(key_terms(question))
    if own and not own & terms:
        return False
    said = set(key_terms(" ".join(t.content for t in history)))
    previous = [t.content for t in history if t.role == "user"]
    if previous and _normal(candidate) == _normal(previous[-1]) and _normal(question) != _normal(
        candidate
    ):
        return False  # the previous question again, the follow-up dropped
    return bool(terms & said) or not said


def condense(
    model: BaseChatModel, question: str, history: Sequence[Turn], policy: CallPolicy
) -> str | None:
    """The model's standalone version of a follow-up, or ``None`` when it is not usable.
    Raises ``ModelUnavailableError`` when the model fails."""
    lines = [f"{'User' if t.role == 'user' else 'Assistant'}: {quoted(t.content)}" for t in history]
    messages = condense_prompt().template.format_messages(
        history="\n".join(lines), question=question
    )
    candidate = _first_line(ModelCall(model, messages, policy, CONDENSE_TOKENS).read())
    return candidate if usable(candidate, question, history) else None
