"""One repair round, and whether a model's answer may be shown as the answer.

The model is told the truth about each failed check: figures that no retrieved source holds,
sentences without a citation, figures that another source holds than the one cited, claims the
cited passage does not back. A cut-off answer is never sent back: it hit its length limit, often
by looping, and the conversation with it could overflow the model's context.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from assistant.answer.draft import REFUSAL, Draft
from assistant.answer.llm import ANSWER_TOKENS, draft_of, original_text, repair_prompt, written
from assistant.answer.models import CallPolicy
from assistant.answer.stream import ModelCall
from assistant.checks.verify import verify
from assistant.errors import ModelUnavailableError
from assistant.types import Hit, Verification

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

PASSING = ("verified", "abstained")
MAX_QUOTED = 4
QUOTE_CHARS = 160


def check(draft: Draft) -> Verification:
    return verify(draft.text, draft.citations, draft.abstained, draft.passages)


def trusted(draft: Draft) -> bool:
    """Whether the draft may be shown as the answer: complete, and every claim checked out
    (also the cited near miss of an abstention)."""
    verification = check(draft)
    return (
        not draft.cut_off
        and verification.status in PASSING
        and all(s.supported for s in verification.sentences)
    )


def _quote(sentence: str) -> str:
    short = sentence if len(sentence) <= QUOTE_CHARS else sentence[: QUOTE_CHARS - 1] + "…"
    return f"“{short}”"


def problems(verification: Verification) -> str:
    """The failed checks as a list the model can act on."""
    lines = []
    if verification.unsupported_numbers:
        lines.append(
            "- These figures are in none of the sources: "
            + ", ".join(verification.unsupported_numbers) + "."
        )
    failed = [
        s for s in verification.sentences if not s.supported and s.sentence != REFUSAL
    ][:MAX_QUOTED]
    uncited = [s.sentence for s in failed if s.reason == "no citation"]
    if uncited:
        lines.append("- These sentences cite no source: " + "; ".join(map(_quote, uncited)) + ".")
    lines += [
        f"- This sentence is not backed by the source it cites ({s.reason}): {_quote(s.sentence)}."
        for s in failed
        if s.reason != "no citation" and not s.reason.startswith("figures not in the sources")
    ]
    return "\n".join(lines)


def notice(draft: Draft) -> str:
    """What the reader should know about a model answer that is shown."""
    notes = [draft.notice] if draft.notice else []
    if draft.removed_citations:
        markers = ", ".join(f"[{n}]" for n in draft.removed_citations)
        notes.append(f"Removed citations of sources that do not exist: {markers}.")
    if draft.cut_off:
        notes.append("The model's answer was cut off at its length limit.")
    if draft.repaired and trusted(draft):
        notes.append("The model's first answer failed its checks; it was corrected.")
    return " ".join(notes)


def repaired(
    model: BaseChatModel, policy: CallPolicy, messages: list[BaseMessage], raw: str,
    draft: Draft, hits: Sequence[Hit], embeddings: Embeddings | None,
) -> Draft:
    """The draft itself when it passes or was cut off; else the model's one correction."""
    if draft.cut_off or trusted(draft):
        draft.notice = notice(draft)
        return draft
    verification = check(draft)
    follow_up = repair_prompt().template.format_messages(
        problems=problems(verification), refusal=REFUSAL
    )
    from langchain_core.messages import AIMessage

    conversation = [*messages, AIMessage(content=original_text(raw, len(hits))), *follow_up]
    call = ModelCall(model, conversation, policy, ANSWER_TOKENS)
    try:
        renumbering = written(call, len(hits))
    except ModelUnavailableError as exc:
        failure = f"The model failed while correcting its answer ({exc})."
        draft.notice = " ".join(filter(None, [notice(draft), failure]))
        return draft
    fixed = draft_of(hits, renumbering, draft.mode, embeddings, call.cut_off)
    fixed.repaired = True
    fixed.removed_citations = sorted({*draft.removed_citations, *fixed.removed_citations})
    fixed.notice = notice(fixed)
    return fixed
