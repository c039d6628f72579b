"""Questions with several parts: each part is answered with its own citation, and the answer
says which part the sources do not cover.

"Which class are short flights booked in, and how much are hotel costs reimbursed per night?"
has two parts, each a question of its own (a question word followed by a verb); "How many and
which countries signed?" has one.
"""

import re

from assistant.answer import extractive
from assistant.answer.draft import REFUSAL, Draft
from assistant.knowledge.base import KnowledgeBase
from assistant.search.question import key_terms
from assistant.search.retrieve import Retrieval
from assistant.types import Citation

_ASKING = r"(?:what|which|who|whom|whose|when|where|why|how)"
_AUX = (
    r"(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|must|may|might|"
    r"much|many|long|often|far|old|big|large)"
)
_JOINT = re.compile(
    rf"(?<=\?)\s+(?=\S)|(?:,\s*|;\s*)(?:and\s+|but\s+|also\s+)?(?={_ASKING}\s+{_AUX}\b)",
    re.IGNORECASE,
)
_QUESTION = re.compile(rf"(?:{_ASKING}|{_AUX}|can|could|should)\b", re.IGNORECASE)
_MARKER = re.compile(r"\[(\d+)\]")


def split_parts(question: str) -> list[str]:
    """The question's parts, each a question of its own with a key term of its own; the
    whole question when it has one part."""
    pieces: list[str] = []
    for piece in (p.strip(" ,;") for p in _JOINT.split(question) if p.strip(" ,;?")):
        if pieces and not _QUESTION.match(piece):
            pieces[-1] = f"{pieces[-1]} {piece}"
        else:
            pieces.append(piece)
    parts = [p if p.endswith("?") else f"{p}?" for p in pieces]
    if len(parts) < 2 or any(not key_terms(p) for p in parts):
        return [question]
    return parts


def _renumbered(text: str, offset: int) -> str:
    return _MARKER.sub(lambda m: f"[{int(m.group(1)) + offset}]", text)


def combine(parts: list[str], drafts: list[Draft]) -> Draft:
    """One draft from the parts' drafts: each answered part with its citations renumbered, each
    declined part named. Declined as a whole only when every part is."""
    if all(d.abstained for d in drafts):
        confidences = [d.confidence for d in drafts]
        best = None if None in confidences else max(c for c in confidences if c is not None)
        return Draft(REFUSAL, [], True, drafts[0].mode, confidence=best)
    texts: list[str] = []
    citations: list[Citation] = []
    for part, draft in zip(parts, drafts, strict=True):
        if draft.abstained:
            texts.append(f"The sources do not answer this part: “{part}”")
            continue
        texts.append(_renumbered(draft.text, len(citations)))
        citations += [c.model_copy(update={"n": c.n + len(citations)}) for c in draft.citations]
    answered = [d.confidence or 0.0 for d in drafts if not d.abstained]
    declined = any(d.abstained for d in drafts)
    return Draft(
        " ".join(texts), citations, False, drafts[0].mode,
        confidence=0.0 if declined else min(answered, default=0.0),
    )


def answer(kb: KnowledgeBase, retrievals: list[Retrieval], max_chars: int) -> Draft:
    """The extractive answer to each part (one retrieval per part), combined."""
    drafts = [extractive.answer(kb, r, max_chars) for r in retrievals]
    if len(drafts) == 1:
        return drafts[0]
    return combine([r.query for r in retrievals], drafts)
