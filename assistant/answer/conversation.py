"""Replies that come before retrieval: small talk, help, the list of documents, summaries.

Small talk and help state nothing from the sources and cite nothing. The document list and
summaries quote each document's most central sentences (``summary``), cited like any answer and
verified as usual; with a model, the model writes a summary from those sentences.
"""

import re
from collections.abc import Iterator
from typing import Any

from assistant.answer import llm
from assistant.answer.draft import Draft, citation
from assistant.answer.intents import Recognised
from assistant.answer.summary import SUMMARIES, Pick
from assistant.errors import ModelUnavailableError
from assistant.knowledge.base import KnowledgeBase
from assistant.knowledge.records import DocumentRecord
from assistant.search.question import stems_of
from assistant.types import Citation, Hit, Support

MODE = "conversation"
EXTRACTIVE = "extractive"
MAX_LISTED = 20
MODEL_SENTENCES = 8
NO_CLAIMS = Support(
    level="no_claims", label="No sources needed",
    reasons=["a reply to small talk or about the assistant: it states nothing from the sources"],
)
# Words that point at "the documents" without naming one: "summarize the whole article".
_GENERIC = frozenset(
    (
        "the this that these those your my our its all each every whole entire full complete "
        "uploaded attached given provided above current bundled main new latest both of in on "
        "it them everything article articles document documents doc docs report reports paper "
        "papers file files text texts source sources page pages piece essay content contents "
        "material materials knowledge base library corpus collection one"
    ).split()
)
_PLURAL = frozenset("these those all both them documents docs articles reports papers files "
                    "texts sources pages contents materials everything each every".split())
_TAG = re.compile(r"[^\w]+")


def _once(draft: Draft) -> Iterator[str | Draft]:
    """A finished reply as a stream: its text, then the draft."""
    yield draft.shown or draft.text
    yield draft


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _empty() -> str:
    return (
        "The knowledge base is empty: add documents (the Knowledge tab of the chat page, or "
        "`assistant ingest`), then ask about them."
    )


def _small_talk(recognised: Recognised, documents: int) -> str:
    if recognised.intent == "thanks":
        return "You're welcome! Ask another question whenever you like."
    if recognised.intent == "goodbye":
        return "Goodbye! Come back with more questions any time."
    if not documents:
        return f"Hello! {_empty()}"
    return (
        f"Hello! Ask me anything about the {_count(documents, 'document')} in the knowledge "
        "base: I answer by quoting the passages, each with a citation you can open. Try "
        "“what documents do you have?” or “summarize” followed by a title."
    )


def _help(documents: int) -> str:
    where = f"the {_count(documents, 'document')} in the knowledge base" if documents else (
        "the documents you add"
    )
    return (
        f"I answer questions about {where}. Each answer quotes the sentences that answer it and "
        "cites them with numbered markers you can open to read the passage; when the documents "
        "do not answer, I say so instead of guessing.\n\nYou can ask:\n"
        "• a question about a figure, a date, a name or a claim in the documents\n"
        "• a follow-up, such as “what about …?” or “and in <year>?”\n"
        "• for a summary: “summarize <title>” or “what is this document about?”\n"
        "• which documents I have: “what documents do you have?”"
    )


def _tokens(text: str) -> frozenset[str]:
    return stems_of(" ".join(w.removesuffix("s") if w.endswith("'s") else w
                             for w in _TAG.split(text.lower().replace("’", "'"))))


def resolve(target: str, manifest: dict[str, DocumentRecord]) -> list[DocumentRecord] | None:
    """The documents a summary request names: all for "the article" or nothing, those whose
    title or file name holds every other word; None when it names none (then it is a
    question, such as "the main points of contention between …")."""
    words = [w for w in _TAG.split(target.lower().replace("’", "'")) if w]
    named = _tokens(" ".join(w.removesuffix("'s") for w in words if w not in _GENERIC))
    records = sorted(manifest.values(), key=lambda r: (r.title.lower(), r.source))
    if not named:
        return records
    found = [r for r in records if named <= _tokens(f"{r.title} {r.source}")]
    return found or None


def _wants_several(target: str) -> bool:
    return any(w in _PLURAL for w in _TAG.split(target.lower()))


def _cite(picks: list[Pick]) -> tuple[str, list[Citation], list[str]]:
    """Sentences in the given order, one marker per chunk; returns (text, citations, lines)."""
    numbers: dict[str, int] = {}
    spans: dict[str, list[tuple[int, int]]] = {}
    hits: dict[str, Hit] = {}
    lines: list[str] = []
    for pick in picks:
        n = numbers.setdefault(pick.hit.chunk_id, len(numbers) + 1)
        spans.setdefault(pick.hit.chunk_id, []).append(pick.span)
        hits[pick.hit.chunk_id] = pick.hit
        lines.append(f"{pick.text} [{n}]")
    citations = [citation(numbers[c], hits[c], spans[c]) for c in numbers]
    return " ".join(lines), citations, lines


def listing(kb: KnowledgeBase, records: list[DocumentRecord], lead: str) -> Draft:
    """One line per document: its title, file and most central sentence, cited."""
    shown_records = records[:MAX_LISTED]
    picks = {r.source: SUMMARIES.central(kb, r, 1) for r in shown_records}
    text, citations, lines = _cite([p for r in shown_records for p in picks[r.source]])
    quoted = iter(lines)
    rows = [
        f"• {r.title or r.source} ({r.source})" + (f": {next(quoted)}" if picks[r.source] else "")
        for r in shown_records
    ]
    more = len(records) - len(shown_records)
    tail = [f"…and {more} more (the Knowledge tab or `assistant sources` lists them all)."]
    shown = "\n".join([lead, *rows, *(tail if more > 0 else [])])
    return Draft(text, citations, False, EXTRACTIVE, shown=shown, intent="documents")


def _extractive_summary(kb: KnowledgeBase, record: DocumentRecord, notice: str = "") -> Draft:
    picks = SUMMARIES.central(kb, record)
    text, citations, _ = _cite(picks)
    lead = f"Summary of “{record.title or record.source}”, in its most central sentences:"
    return Draft(
        text, citations, False, EXTRACTIVE, notice=notice, shown=f"{lead}\n\n{text}",
        intent="summary",
    )


def _sentence_hit(pick: Pick) -> Hit:
    """One picked sentence as a source of its own, for the model."""
    raw = pick.hit.text[pick.span[0] : pick.span[1]]
    return pick.hit.model_copy(
        update={"text": raw, "start": pick.position, "end": pick.position + len(raw),
                "sentences": [(0, len(raw))]}
    )


def _in_passage(cited: Citation, picks: list[Pick]) -> Citation:
    """A citation of a sentence source, shown in the passage the sentence comes from."""
    hit = next(p.hit for p in picks if p.hit.chunk_id == cited.chunk_id)
    return cited.model_copy(update={"chunk_text": hit.text, "chunk_start": hit.start})


def _model_summary(kb: KnowledgeBase, model: Any, record: DocumentRecord) -> Iterator[str | Draft]:
    """The model writes the summary from the central sentences; verified as usual, and the
    extractive summary stands in when the model fails or declines."""
    picks = SUMMARIES.central(kb, record, MODEL_SENTENCES)
    title = record.title or record.source
    question = f"Summarize the document “{title}” in three or four sentences."
    lead = f"Summary of “{title}”:"
    yield lead + "\n\n"
    try:
        draft: Draft | None = None
        for event in llm.answer(model, question, [_sentence_hit(p) for p in picks]):
            if isinstance(event, Draft):
                draft = event
            else:
                yield event
    except ModelUnavailableError as exc:
        yield _extractive_summary(kb, record, f"The model was unavailable ({exc}), so this "
                                  "summary quotes the document's most central sentences.")
        return
    assert draft is not None
    if draft.abstained:
        yield _extractive_summary(kb, record, "The model wrote no summary, so this one quotes "
                                  "the document's most central sentences.")
        return
    draft.citations = [_in_passage(c, picks) for c in draft.citations]
    draft.shown, draft.intent = f"{lead}\n\n{draft.text}", "summary"
    yield draft


def _summary(
    kb: KnowledgeBase, model: Any, recognised: Recognised
) -> Iterator[str | Draft] | None:
    records = resolve(recognised.target, kb.manifest())
    if records is None:
        return None
    if len(records) == 1 and not (_wants_several(recognised.target) and len(kb.manifest()) > 1):
        if model is not None:
            return _model_summary(kb, model, records[0])
        return _once(_extractive_summary(kb, records[0]))
    everything = len(records) == len(kb.manifest())
    lead = (
        f"The knowledge base holds {_count(len(records), 'document')}"
        if everything else f"{len(records)} documents match “{recognised.target}”"
    ) + "; here is one line on each. Ask “summarize” with a title for a longer summary of one."
    return _once(listing(kb, records, lead))


def reply(kb: KnowledgeBase, model: Any, recognised: Recognised) -> Iterator[str | Draft] | None:
    """The reply to a message that is not a question for the sources; None for a question."""
    if recognised.intent == "question":
        return None
    manifest = kb.manifest()
    if recognised.intent in ("greeting", "thanks", "goodbye", "help"):
        shown = (
            _help(len(manifest)) if recognised.intent == "help"
            else _small_talk(recognised, len(manifest))
        )
        return _once(Draft("", [], False, MODE, shown=shown, intent=recognised.intent))
    if recognised.intent == "documents":
        records = sorted(manifest.values(), key=lambda r: (r.title.lower(), r.source))
        if not records:
            return _once(Draft("", [], False, MODE, shown=_empty(), intent="documents"))
        lead = f"I answer from {_count(len(records), 'document')}:"
        return _once(listing(kb, records, lead))
    kb.require_documents()
    return _summary(kb, model, recognised)
