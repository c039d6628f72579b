"""``ask``: recognise -> condense -> retrieve -> answer -> verify -> Answer. Every interface
calls this. Small talk, help, the document list and summaries are replied to before retrieval
(``assistant.answer.conversation``)."""

import re
import time
from collections.abc import Iterator, Sequence
from typing import Any

from pydantic import ValidationError

from assistant import __version__
from assistant.answer import conversation, extractive, llm, parts, repair, standalone
from assistant.answer.condense import condense, needs_context, topical
from assistant.answer.draft import Draft
from assistant.answer.intents import recognise
from assistant.answer.models import CallPolicy, call_policy
from assistant.answer.parts import split_parts
from assistant.answer.support import summary_support, support_for
from assistant.checks.verify import verify
from assistant.config import Settings
from assistant.errors import InvalidQuestionError, ModelRequestError, ModelUnavailableError
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.shared import environment_settings, shared_knowledge_base
from assistant.search.rerank import parameters
from assistant.search.retrieve import Retrieval, merged, search
from assistant.types import Answer, ModelDraft, Stamp, Support, Turn, Verification

EXTRACTIVE_VERSION = "extractive/1"
# Control and bidi-override characters, and lone surrogates (undecodable bytes of a command
# line arrive as U+DC80..U+DCFF; no tokenizer or JSON encoder accepts them).
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)

HistoryLike = Sequence[Turn | dict[str, str]]


def clean_question(question: str, limit: int) -> str:
    """Strip control characters; refuse empty and over-long questions with a clear message."""
    if not isinstance(question, str):
        raise InvalidQuestionError("The question must be text.")
    cleaned = " ".join(_CONTROL.sub(" ", question).split())
    if not cleaned:
        raise InvalidQuestionError("The question is empty: type a question about the documents.")
    if not any(character.isalnum() for character in cleaned):
        raise InvalidQuestionError(
            "The question has no words, only punctuation: type a question about the documents."
        )
    if len(cleaned) > limit:
        raise InvalidQuestionError(
            f"The question is {len(cleaned):,} characters long; the limit is {limit:,} "
            "(ASSISTANT_MAX_QUESTION_CHARS). Ask something shorter."
        )
    return cleaned


def _turns(history: HistoryLike, limit: int) -> list[Turn]:
    try:
        turns = [t if isinstance(t, Turn) else Turn.model_validate(t) for t in history]
    except ValidationError as exc:
        raise InvalidQuestionError(
            "The history must be a list of turns, each {'role': 'user' or 'assistant', "
            f"'content': text}} ({exc.errors()[0]['msg']})."
        ) from None
    return [
        Turn(role=t.role, content=_CONTROL.sub(" ", t.content[:limit])) for t in turns[-10:]
    ]


def ask(
    question: str,
    *,
    history: HistoryLike = (),
    settings: Settings | None = None,
    knowledge: KnowledgeBase | None = None,
    chat_model: Any = None,
    k: int | None = None,
    sources: Sequence[str] | None = None,
) -> Answer:
    """Answer a question from the knowledge base, with citations and verification.

    Without ``knowledge``, the process's shared knowledge base for ``settings`` (default: the
    environment's) is used, opened once. Raises ``InvalidQuestionError`` for an unusable question
    or history and ``EmptyStoreError`` before anything is ingested."""
    answer: Answer | None = None
    for event in ask_stream(
        question, history=history, settings=settings, knowledge=knowledge,
        chat_model=chat_model, k=k, sources=sources,
    ):
        if isinstance(event, Answer):
            answer = event
    assert answer is not None
    return answer


def ask_stream(
    question: str,
    *,
    history: HistoryLike = (),
    settings: Settings | None = None,
    knowledge: KnowledgeBase | None = None,
    chat_model: Any = None,
    k: int | None = None,
    sources: Sequence[str] | None = None,
) -> Iterator[str | Answer]:
    """Yield pieces of answer text as they are produced, then the finished ``Answer``.

    The pieces are a preview; the ``Answer`` is what was checked (a repaired or fallback answer
    replaces what was streamed).
    """
    settings = settings or (knowledge.settings if knowledge else environment_settings())
    timings: dict[str, float] = {}
    started = time.perf_counter()
    cleaned = clean_question(question, settings.max_question_chars)
    turns = _turns(history, settings.max_question_chars)
    kb = knowledge or shared_knowledge_base(settings)
    model = chat_model if chat_model is not None else _configured_model(settings)
    recognised = recognise(cleaned)
    steps = conversation.reply(kb, model, recognised)
    rewritten = cleaned
    retrievals: list[Retrieval] = []
    if steps is None:
        kb.require_documents()
        policy = call_policy(settings, time.monotonic())
        rewritten, model, notice = _standalone(
            kb, model, recognised.text, topical(turns), policy
        )
        timings["condense"] = _ms(started)
        mark = time.perf_counter()
        retrievals = [
            search(kb, part, k or settings.top_k, sources) for part in split_parts(rewritten)
        ]
        timings["retrieve"] = _ms(mark)
        steps = _answer(kb, settings, (model, policy), rewritten, retrievals, notice)
    mark = time.perf_counter()
    draft: Draft | None = None
    for event in steps:
        if isinstance(event, Draft):
            draft = event
        else:
            yield event
    assert draft is not None
    if draft.confidence is None and retrievals and not draft.abstained:
        draft.confidence = min(extractive.assess(kb, r).confidence for r in retrievals)
    timings["answer"] = _ms(mark)
    yield _finish(kb, cleaned, rewritten, draft, timings, started)


def _configured_model(settings: Settings) -> Any:
    if not settings.llm_enabled():
        return None
    from assistant.answer.models import build_chat_model

    return build_chat_model(settings)


def _standalone(
    kb: KnowledgeBase, model: Any, question: str, turns: list[Turn], policy: CallPolicy
) -> tuple[str, Any, str]:
    """The question to retrieve for, the model still to use, and a notice if it failed. The
    model rewrites only follow-ups that lean on the conversation, and its rewrite is used only
    when it passes ``standalone.usable``."""
    offline = condense(question, turns, kb.embeddings)
    if model is None or not turns or not needs_context(question):
        return offline, model, ""
    try:
        rewritten = standalone.condense(model, question, turns, policy)
    except ModelUnavailableError as exc:
        return offline, None, _unavailable(exc)
    return rewritten or offline, model, ""


def _unavailable(exc: ModelUnavailableError) -> str:
    if isinstance(exc, ModelRequestError):
        return f"The model refused the request: {exc}. This answer quotes the sources instead."
    return f"The model was unavailable ({exc}), so this answer quotes the sources instead."


def _answer(
    kb: KnowledgeBase, settings: Settings, model: tuple[Any, CallPolicy], question: str,
    retrievals: list[Retrieval], notice: str,
) -> Iterator[str | Draft]:
    """The model's answer when there is a model and it passes its checks; the extractive one
    otherwise (no model, the model failed, or its answer failed verification even after a
    repair: then the model's draft goes along, marked unverified). The model's "the sources do
    not answer" stands only when the extractive step declines too; otherwise the passage it
    found is quoted, with a notice. A question with several parts has a retrieval per part."""
    chat_model, policy = model
    shown = False
    failed: Draft | None = None
    if chat_model is not None:
        try:
            for event in llm.answer(
                chat_model, question, merged(retrievals).hits, policy=policy,
                embeddings=kb.embeddings,
            ):
                if isinstance(event, str):
                    shown = True
                    yield event
                elif repair.trusted(event) and not event.abstained:
                    yield event
                    return
                else:
                    failed = event
        except ModelUnavailableError as exc:
            notice = _unavailable(exc)
    draft = parts.answer(kb, retrievals, settings.max_answer_chars)
    if failed is not None and failed.abstained and draft.abstained and repair.trusted(failed):
        yield failed
        return
    draft.notice = _distrusted(failed) if failed else notice
    draft.model_draft = _model_draft(failed) if failed else None
    yield ("\n\n" if shown else "") + draft.text
    yield draft


def _distrusted(draft: Draft) -> str:
    if draft.abstained:
        return (
            f"{draft.notice + ' ' if draft.notice else ''}The model found no answer in the "
            "sources, but the search found this passage: it is quoted so that you can check it."
        )
    verification = repair.check(draft)
    reasons = [s.reason for s in verification.sentences if not s.supported][:3]
    why = "it was cut off" if draft.cut_off else "; ".join(dict.fromkeys(reasons))
    return (
        f"The model's answer did not pass verification ({why}), so this answer quotes the "
        "sources instead; the model's draft is kept as an unverified draft."
    )


def _model_draft(draft: Draft) -> ModelDraft:
    verification = repair.check(draft)
    verification.repaired = draft.repaired
    verification.removed_citations = draft.removed_citations
    return ModelDraft(
        text=draft.text, citations=draft.citations, verification=verification,
        cut_off=draft.cut_off,
    )


def _finish(
    kb: KnowledgeBase, question: str, standalone: str, draft: Draft,
    timings: dict[str, float], started: float,
) -> Answer:
    mark = time.perf_counter()
    verification = (
        verify(draft.text, draft.citations, draft.abstained, draft.passages) if draft.text
        else Verification(status="no_claims")
    )
    verification.removed_citations = draft.removed_citations
    verification.repaired = draft.repaired
    timings["verify"] = _ms(mark)
    timings["total"] = _ms(started)
    params = parameters(kb)
    stamp = Stamp(
        corpus_fingerprint=kb.lexical.fingerprint,
        embedding_model=kb.embedding_model,
        answer_mode=draft.mode,
        prompt_version=draft.prompt_version or EXTRACTIVE_VERSION,
        package_version=__version__,
        answer_parameters=params.version,
    )
    return Answer(
        question=question, standalone_question=standalone, answer=draft.shown or draft.text,
        abstained=draft.abstained, mode=draft.mode, citations=draft.citations,
        verification=verification, stamp=stamp, notice=draft.notice, timings_ms=timings,
        support=_support(draft, verification, params.answered_from, params.decline_below),
        intent=draft.intent,
        model_draft=draft.model_draft,
    )


def _support(
    draft: Draft, verification: Verification, answered_from: float, decline_below: float
) -> Support:
    if not draft.text:
        return conversation.NO_CLAIMS
    if draft.intent == "summary":
        return summary_support(verification)
    return support_for(
        draft.abstained, verification, draft.confidence, answered_from, decline_below
    )


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 2)
